import { harnessPerTest } from "../support/harness";

interface AttributeBody {
  name: string;
  mutability?: string;
  canonicalValues?: unknown[];
  subAttributes?: AttributeBody[];
}

/**
 * /Schemas tells a client what the server does (RFC 7643 §7): canonical values are the
 * suggestions a client may use, never an empty list that would read as "no value allowed", and
 * each attribute's mutability is what the server really does with it.
 */
describe("discovery: what /Schemas advertises", () => {
  const h = harnessPerTest();

  async function attributes(urn: string): Promise<AttributeBody[]> {
    const res = await h.scim("get", `/Schemas/${urn}`);
    expect(res.status).toBe(200);
    return (res.body as { attributes: AttributeBody[] }).attributes;
  }

  function sub(attrs: readonly AttributeBody[], name: string, subName: string): AttributeBody {
    const found = attrs.find((a) => a.name === name)?.subAttributes?.find((s) => s.name === subName);
    if (found === undefined) throw new Error(`no ${name}.${subName} in /Schemas`);
    return found;
  }

  function everyCanonicalList(attrs: readonly AttributeBody[], path = ""): Array<[string, unknown[]]> {
    return attrs.flatMap((a) => [
      ...(a.canonicalValues === undefined ? [] : [[`${path}${a.name}`, a.canonicalValues] as [string, unknown[]]]),
      ...everyCanonicalList(a.subAttributes ?? [], `${path}${a.name}.`),
    ]);
  }

  it("gives roles.type and x509Certificates.type no vocabulary, and never advertises an empty canonical list", async () => {
    const user = await attributes("urn:ietf:params:scim:schemas:core:2.0:User");
    expect(sub(user, "roles", "type")).not.toHaveProperty("canonicalValues");
    expect(sub(user, "x509Certificates", "type")).not.toHaveProperty("canonicalValues");
    const group = await attributes("urn:ietf:params:scim:schemas:core:2.0:Group");
    for (const [path, values] of [...everyCanonicalList(user), ...everyCanonicalList(group)]) {
      expect([path, values.length]).not.toEqual([path, 0]);
    }
  });

  it("keeps suggesting the RFC's type values for emails, phone numbers, addresses, ims and photos", async () => {
    const user = await attributes("urn:ietf:params:scim:schemas:core:2.0:User");
    expect(sub(user, "emails", "type").canonicalValues).toEqual(["work", "home", "other"]);
    expect(sub(user, "phoneNumbers", "type").canonicalValues).toEqual(["work", "home", "mobile", "fax", "pager", "other"]);
    expect(sub(user, "addresses", "type").canonicalValues).toEqual(["work", "home", "other"]);
    expect(sub(user, "ims", "type").canonicalValues).toContain("xmpp");
    expect(sub(user, "photos", "type").canonicalValues).toEqual(["photo", "thumbnail"]);
  });

  it("advertises members.display as readOnly, since the server derives it from the member on every read", async () => {
    const group = await attributes("urn:ietf:params:scim:schemas:core:2.0:Group");
    expect(sub(group, "members", "display").mutability).toBe("readOnly");
    expect(sub(group, "members", "value").mutability).toBe("immutable");
  });
});
