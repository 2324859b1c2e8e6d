import type { JsonObject } from "../../../mapping/json";
import { expectScimError } from "../../support/scim-error";
import { CORE_USER, ENTERPRISE, ada, patchGroup, patchUser, sales } from "./support";

describe("applyPatch on users", () => {
  it("never mutates its input", () => {
    const user = ada();
    const before = structuredClone(user);
    patchUser(user, { op: "replace", path: "name.familyName", value: "Byron" }, { op: "add", path: 'emails[type eq "home"].value', value: "x@y" });
    expect(user).toEqual(before);
  });

  describe("Okta", () => {
    it("deactivates and reactivates with a path-less replace", () => {
      const off = patchUser(ada(), { op: "replace", value: { active: false } });
      expect(off["active"]).toBe(false);
      expect(patchUser(off, { op: "replace", value: { active: true } })["active"]).toBe(true);
    });

    it("ignores the read-only id, meta, schemas and groups it echoes in a path-less value", () => {
      const patched = patchUser(ada(), {
        op: "replace",
        value: { id: "other", meta: { resourceType: "User" }, schemas: ["x"], groups: [{ value: "g" }], displayName: "Ada L." },
      });
      expect(patched).toEqual({ ...ada(), displayName: "Ada L." });
    });

    it("sets the placeholder password like any write-only attribute", () => {
      expect(patchUser(ada(), { op: "replace", value: { password: "1mz050nq" } })["password"]).toBe("1mz050nq");
    });
  });

  describe("Entra", () => {
    it("replaces the work email and the family name with capitalised ops", () => {
      const patched = patchUser(
        ada(),
        { op: "Replace", path: 'emails[type eq "work"].value', value: "ada@new.example" },
        { op: "Replace", path: "name.familyName", value: "Byron" },
      );
      expect(patched["emails"]).toEqual([{ primary: true, value: "ada@new.example", type: "work" }]);
      expect(patched["name"]).toEqual({ givenName: "Ada", familyName: "Byron" });
    });

    it("creates a mobile number when the user has none (filtered upsert)", () => {
      const patched = patchUser(ada(), { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+44 20 7946 0000" });
      expect(patched["phoneNumbers"]).toEqual([{ type: "mobile", value: "+44 20 7946 0000" }]);
    });

    it("lands several ops on the same filtered element in one element", () => {
      const patched = patchUser(
        ada(),
        { op: "Add", path: 'addresses[type eq "work"].streetAddress', value: "1 Main St" },
        { op: "Add", path: 'addresses[type eq "work"].locality', value: "London" },
        { op: "Add", path: 'addresses[type eq "work"].postalCode', value: "N1" },
      );
      expect(patched["addresses"]).toEqual([{ type: "work", streetAddress: "1 Main St", locality: "London", postalCode: "N1" }]);
    });

    it("upserts with a replace too", () => {
      const patched = patchUser(ada(), { op: "Replace", path: 'emails[type eq "home"].value', value: "ada@home.example" });
      expect(patched["emails"]).toEqual([
        { primary: true, value: "ada@example.com", type: "work" },
        { type: "home", value: "ada@home.example" },
      ]);
    });

    it("disables a user with the string \"False\" and enables with a real boolean", () => {
      const off = patchUser(ada(), { op: "Replace", path: "active", value: "False" });
      expect(off["active"]).toBe(false);
      expect(patchUser(off, { op: "replace", path: "active", value: true })["active"]).toBe(true);
      expect(patchUser(off, { op: "replace", path: "active", value: "true" })["active"]).toBe(true);
    });

    it("applies a path-less replace with dotted and URN-qualified keys (aadOptscim062020)", () => {
      const patched = patchUser(ada(), {
        op: "replace",
        value: {
          displayName: "Augusta Ada King",
          "name.givenName": "Augusta",
          [`${ENTERPRISE}:employeeNumber`]: "701984",
        },
      });
      expect(patched["displayName"]).toBe("Augusta Ada King");
      expect(patched["name"]).toEqual({ givenName: "Augusta", familyName: "Lovelace" });
      expect(patched[ENTERPRISE]).toEqual({ employeeNumber: "701984" });
      expect(patched["schemas"]).toEqual([CORE_USER, ENTERPRISE]);
    });

    it("treats Add on a single-valued attribute as replace", () => {
      const once = patchUser(ada(), { op: "Add", path: "nickName", value: "Babs" });
      expect(patchUser(once, { op: "Add", path: "nickName", value: "Ada" })["nickName"]).toBe("Ada");
    });

    it("accepts a bare-string manager and stores it as {value}", () => {
      const patched = patchUser(ada(), { op: "Add", path: `${ENTERPRISE}:manager`, value: "m-42" });
      expect(patched[ENTERPRISE]).toEqual({ manager: { value: "m-42" } });
    });

    it("accepts the older tenants' one-element manager array, dropping $ref", () => {
      const patched = patchUser(ada(), {
        op: "Add",
        path: `${ENTERPRISE}:manager`,
        value: [{ $ref: "https://example.com/scim/v2/Users/m-42", value: "m-42" }],
      });
      expect(patched[ENTERPRISE]).toEqual({ manager: { value: "m-42" } });
    });

    it("removes the manager with a Remove op and drops the empty extension", () => {
      const withManager = patchUser(ada(), { op: "Add", path: `${ENTERPRISE}:manager`, value: "m-42" });
      const removed = patchUser(withManager, { op: "Remove", path: `${ENTERPRISE}:manager` });
      expect(removed).toEqual(ada());
    });
  });

  describe("booleans", () => {
    it("coerces boolean strings in any case, at any depth, in path-less values", () => {
      const patched = patchUser(ada(), {
        op: "replace",
        value: { active: "FALSE", emails: [{ value: "a@x", type: "work", primary: "True" }] },
      });
      expect(patched["active"]).toBe(false);
      expect(patched["emails"]).toEqual([{ value: "a@x", type: "work", primary: true }]);
    });

    it("coerces a boolean sub-attribute targeted through a filter", () => {
      const patched = patchUser(ada(), { op: "replace", path: 'emails[type eq "work"].primary', value: "false" });
      expect(patched["emails"]).toEqual([{ primary: false, value: "ada@example.com", type: "work" }]);
    });

    it("rejects a string that is not a boolean", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: "active", value: "yes" }), 400, "invalidValue", /active must be a boolean/);
      expectScimError(() => patchUser(ada(), { op: "replace", value: { active: 1 } }), 400, "invalidValue");
    });
  });

  describe("single-valued attributes", () => {
    it("merges an object into a complex attribute on add and replace", () => {
      expect(patchUser(ada(), { op: "add", path: "name", value: { middleName: "King" } })["name"]).toEqual({
        givenName: "Ada",
        familyName: "Lovelace",
        middleName: "King",
      });
      expect(patchUser(ada(), { op: "replace", path: "name", value: { givenName: "A" } })["name"]).toEqual({
        givenName: "A",
        familyName: "Lovelace",
      });
    });

    it("merges a path-less complex value the same way", () => {
      expect(patchUser(ada(), { op: "replace", value: { name: { givenName: "A", familyName: null } } })["name"]).toEqual({ givenName: "A" });
    });

    it("removes an attribute when the value is null", () => {
      expect(patchUser(ada(), { op: "replace", path: "displayName", value: null })).not.toHaveProperty("displayName");
      expect(patchUser(ada(), { op: "replace", value: { locale: null } })).not.toHaveProperty("locale");
      expect(patchUser(ada(), { op: "add", path: "name.givenName", value: null })["name"]).toEqual({ familyName: "Lovelace" });
    });

    it("removes a sub-attribute and then the empty complex attribute", () => {
      const once = patchUser(ada(), { op: "remove", path: "name.givenName" });
      expect(once["name"]).toEqual({ familyName: "Lovelace" });
      expect(patchUser(once, { op: "remove", path: "name.familyName" })).not.toHaveProperty("name");
    });

    it("removes an attribute that is not set without complaint", () => {
      expect(patchUser(ada(), { op: "remove", path: "nickName" })).toEqual(ada());
    });

    it("writes the schema's casing whatever casing the client used", () => {
      const patched = patchUser(ada(), { op: "replace", path: "USERNAME", value: "ada2@example.com" }, { op: "replace", path: "Name.GivenName", value: "A" });
      expect(patched["userName"]).toBe("ada2@example.com");
      expect(patched).not.toHaveProperty("USERNAME");
      expect(patched["name"]).toEqual({ givenName: "A", familyName: "Lovelace" });
    });

    it("rewrites a differently-cased stored key to the canonical one", () => {
      const patched = patchUser({ ...ada(), DisplayName: "old" }, { op: "replace", path: "displayName", value: "new" });
      expect(patched).not.toHaveProperty("DisplayName");
      expect(patched["displayName"]).toBe("new");
    });

    it("accepts a number for a string attribute, since IdP mappings sometimes send one", () => {
      expect(patchUser(ada(), { op: "replace", value: { [`${ENTERPRISE}:employeeNumber`]: 42 } })[ENTERPRISE]).toEqual({ employeeNumber: "42" });
    });

    it("rejects an object for a string attribute", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: "title", value: { a: 1 } }), 400, "invalidValue", /title must be a string/);
    });
  });

  describe("multi-valued attributes", () => {
    it("appends on add without duplicating an identical value", () => {
      const home = { value: "ada@home.example", type: "home" };
      const once = patchUser(ada(), { op: "add", path: "emails", value: [home] });
      const twice = patchUser(once, { op: "add", path: "emails", value: [home] });
      expect(twice["emails"]).toEqual([{ primary: true, value: "ada@example.com", type: "work" }, home]);
    });

    it("accepts a single object where a list is expected", () => {
      expect(patchUser(ada(), { op: "add", path: "roles", value: { value: "admin" } })["roles"]).toEqual([{ value: "admin" }]);
    });

    it("replaces the whole list on replace without a filter", () => {
      const patched = patchUser(ada(), { op: "replace", path: "emails", value: [{ value: "new@x", type: "work" }] });
      expect(patched["emails"]).toEqual([{ value: "new@x", type: "work" }]);
    });

    it("removes the whole list on remove without a filter", () => {
      expect(patchUser(ada(), { op: "remove", path: "emails" })).not.toHaveProperty("emails");
    });

    it("removes only the listed values when remove carries a value", () => {
      const user = { ...ada(), roles: [{ value: "admin" }, { value: "dev" }] };
      expect(patchUser(user, { op: "remove", path: "roles", value: [{ value: "ADMIN" }] })["roles"]).toEqual([{ value: "dev" }]);
    });

    it("drops an empty list instead of storing []", () => {
      expect(patchUser(ada(), { op: "replace", path: "emails", value: [] })).not.toHaveProperty("emails");
      expect(patchUser(ada(), { op: "replace", value: { emails: null } })).not.toHaveProperty("emails");
    });

    it("keeps only one primary value: a new primary demotes the old one", () => {
      const patched = patchUser(ada(), { op: "add", path: "emails", value: [{ value: "b@x", type: "home", primary: true }] });
      expect(patched["emails"]).toEqual([
        { primary: false, value: "ada@example.com", type: "work" },
        { value: "b@x", type: "home", primary: true },
      ]);
    });

    it("sets a sub-attribute on every element when no filter is given", () => {
      const user = { ...ada(), phoneNumbers: [{ value: "1" }, { value: "2" }] };
      expect(patchUser(user, { op: "replace", path: "phoneNumbers.type", value: "work" })["phoneNumbers"]).toEqual([
        { value: "1", type: "work" },
        { value: "2", type: "work" },
      ]);
      expect(patchUser(user, { op: "remove", path: "phoneNumbers.value" })).not.toHaveProperty("phoneNumbers");
    });

    it("rejects unknown sub-attributes inside new values", () => {
      expectScimError(() => patchUser(ada(), { op: "add", path: "emails", value: [{ value: "x", colour: "red" }] }), 400, "invalidValue", /no sub-attribute "colour"/);
    });
  });

  describe("filtered value paths", () => {
    const twoEmails = (): JsonObject => ({
      ...ada(),
      emails: [
        { value: "ada@work.example", type: "work", primary: true },
        { value: "ada@home.example", type: "home" },
      ],
    });

    it("updates every matching element and leaves the others alone", () => {
      const user = { ...twoEmails(), emails: [...(twoEmails()["emails"] as unknown[]), { value: "w2@x", type: "WORK" }] };
      const patched = patchUser(user, { op: "replace", path: 'emails[type eq "work"].display', value: "Work" });
      expect(patched["emails"]).toEqual([
        { value: "ada@work.example", type: "work", primary: true, display: "Work" },
        { value: "ada@home.example", type: "home" },
        { value: "w2@x", type: "WORK", display: "Work" },
      ]);
    });

    it("merges an object into matching elements when no sub-attribute is named", () => {
      const patched = patchUser(twoEmails(), { op: "replace", path: 'emails[type eq "home"]', value: { display: "Home" } });
      expect((patched["emails"] as unknown[])[1]).toEqual({ value: "ada@home.example", type: "home", display: "Home" });
    });

    it("creates an element from an and of equalities", () => {
      const patched = patchUser(ada(), { op: "add", path: 'phoneNumbers[type eq "work" and primary eq true].value', value: "123" });
      expect(patched["phoneNumbers"]).toEqual([{ type: "work", primary: true, value: "123" }]);
    });

    it("does not create an element from a filter that is not a plain equality", () => {
      expectScimError(
        () => patchUser(ada(), { op: "replace", path: 'phoneNumbers[type eq "work" or type eq "home"].value', value: "1" }), 400,
        "noTarget",
        /only a filter of "eq" terms/,
      );
      expectScimError(() => patchUser(ada(), { op: "add", path: 'phoneNumbers[type sw "w"].value', value: "1" }), 400, "noTarget");
    });

    it("does not create an element from contradictory equalities", () => {
      expectScimError(
        () => patchUser(ada(), { op: "add", path: 'phoneNumbers[type eq "a" and type eq "b"].value', value: "1" }), 400,
        "noTarget",
      );
    });

    it("removes only the sub-attribute when the path names one", () => {
      const patched = patchUser(twoEmails(), { op: "remove", path: 'emails[type eq "home"].value' });
      expect(patched["emails"]).toEqual([
        { value: "ada@work.example", type: "work", primary: true },
        { type: "home" },
      ]);
    });

    it("removes the matching element when the path names none", () => {
      const patched = patchUser(twoEmails(), { op: "remove", path: 'emails[type eq "home"]' });
      expect(patched["emails"]).toEqual([{ value: "ada@work.example", type: "work", primary: true }]);
    });

    it("succeeds without change when a remove filter matches nothing, because IdPs retry", () => {
      expect(patchUser(ada(), { op: "remove", path: 'emails[type eq "home"]' })).toEqual(ada());
      expect(patchUser(ada(), { op: "Remove", path: 'phoneNumbers[type eq "mobile"].value' })).toEqual(ada());
    });

    it("does not create an element for a null value", () => {
      expect(patchUser(ada(), { op: "replace", path: 'phoneNumbers[type eq "mobile"].value', value: null })).toEqual(ada());
    });

    it("matches filter values case-insensitively for caseExact=false sub-attributes", () => {
      const patched = patchUser(ada(), { op: "replace", path: 'emails[TYPE eq "WORK"].value', value: "x@y" });
      expect(patched["emails"]).toEqual([{ primary: true, value: "x@y", type: "work" }]);
    });

    it("demotes the other primaries when a filtered op sets primary", () => {
      const patched = patchUser(twoEmails(), { op: "replace", path: 'emails[type eq "home"].primary', value: true });
      expect(patched["emails"]).toEqual([
        { value: "ada@work.example", type: "work", primary: false },
        { value: "ada@home.example", type: "home", primary: true },
      ]);
    });

    it("rejects a filter on an attribute that is not multi-valued", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: 'name[givenName eq "Ada"].familyName', value: "x" }), 400, "invalidPath", /multi-valued/);
    });

    it("rejects a filter on an unknown sub-attribute", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: 'emails[kind eq "work"].value', value: "x" }), 400, "invalidPath", /"kind", which is not a sub-attribute of emails/);
    });
  });

  describe("manager", () => {
    const managed = (manager: unknown): JsonObject => patchUser(ada(), { op: "replace", path: `${ENTERPRISE}:manager`, value: manager });

    it("accepts an object and keeps a given displayName", () => {
      expect(managed({ value: "m-1", $ref: "../Users/m-1", displayName: "Boss" })[ENTERPRISE]).toEqual({ manager: { value: "m-1", displayName: "Boss" } });
      expect(managed({ value: "m-1" })[ENTERPRISE]).toEqual({ manager: { value: "m-1" } });
    });

    it("replaces rather than merges, so an old displayName does not stick to a new manager", () => {
      const first = managed({ value: "m-1", displayName: "Boss" });
      expect(patchUser(first, { op: "add", path: `${ENTERPRISE}:manager`, value: "m-2" })[ENTERPRISE]).toEqual({ manager: { value: "m-2" } });
      expect(patchUser(first, { op: "replace", path: `${ENTERPRISE}:manager.value`, value: "m-3" })[ENTERPRISE]).toEqual({ manager: { value: "m-3" } });
      expect(patchUser(first, { op: "replace", path: `${ENTERPRISE}:manager.value`, value: "m-1" })[ENTERPRISE]).toEqual({
        manager: { value: "m-1", displayName: "Boss" },
      });
    });

    it.each([[""], [null], [[]], [{ value: "" }], [{ value: null }]])("clears the manager for %j", (value) => {
      expect(managed(value)).toEqual(ada());
    });

    it("accepts manager inside the extension object of a path-less value", () => {
      const patched = patchUser(ada(), { op: "add", value: { [ENTERPRISE]: { manager: "m-9", department: "R&D" } } });
      expect(patched[ENTERPRISE]).toEqual({ manager: { value: "m-9" }, department: "R&D" });
    });

    it("rejects several managers or a non-string id", () => {
      expectScimError(() => managed([{ value: "a" }, { value: "b" }]), 400, "invalidValue", /one manager/);
      expectScimError(() => managed({ value: 7 }), 400, "invalidValue");
      expectScimError(() => managed({ $ref: "x" }), 400, "invalidValue");
      expectScimError(() => managed(true), 400, "invalidValue");
    });
  });

  describe("extension", () => {
    it("accepts the extension URN as a path", () => {
      const patched = patchUser(ada(), { op: "add", path: ENTERPRISE, value: { costCenter: "4130" } });
      expect(patched[ENTERPRISE]).toEqual({ costCenter: "4130" });
      expect(patchUser(patched, { op: "remove", path: ENTERPRISE })).toEqual(ada());
    });

    it("accepts an unqualified extension attribute", () => {
      expect(patchUser(ada(), { op: "replace", path: "department", value: "R&D" })[ENTERPRISE]).toEqual({ department: "R&D" });
    });

    it("accepts a core-URN-qualified core attribute", () => {
      expect(patchUser(ada(), { op: "replace", path: `${CORE_USER}:displayName`, value: "X" })["displayName"]).toBe("X");
    });

    it("rejects an unknown schema URN", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: "urn:example:custom:1.0:User:shoeSize", value: "9" }), 400, "invalidPath", /schema/);
    });

    it("rejects a core attribute inside the extension object as a value that does not fit", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", value: { [ENTERPRISE]: { userName: "x" } } }), 400, "invalidValue");
    });
  });

  describe("mutability and unknown attributes", () => {
    it.each(["id", "meta", "meta.lastModified", "groups", "schemas", `${ENTERPRISE}:manager.displayName`])(
      "refuses an explicit path to the read-only %s",
      (path) => {
        expectScimError(() => patchUser(ada(), { op: "replace", path, value: "x" }), 400, "mutability", /read-only/);
      },
    );

    it("refuses to remove the read-only id", () => {
      expectScimError(() => patchUser(ada(), { op: "remove", path: "id" }), 400, "mutability");
    });

    it("rejects an unknown attribute by path (invalidPath) and inside a path-less value (invalidValue)", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", path: "shoeSize", value: 9 }), 400, "invalidPath", /"shoeSize" is unknown/);
      expectScimError(() => patchUser(ada(), { op: "replace", value: { shoeSize: 9 } }), 400, "invalidValue", /shoeSize/);
      expectScimError(() => patchUser(ada(), { op: "replace", path: "name.nickname", value: "x" }), 400, "invalidPath", /no sub-attribute/);
      expectScimError(() => patchUser(ada(), { op: "replace", path: "userName.x", value: "x" }), 400, "invalidPath", /not complex/);
    });

    it("rejects an invalid key in a path-less value", () => {
      expectScimError(() => patchUser(ada(), { op: "replace", value: { "not a path": 1 } }), 400, "invalidValue");
    });
  });
});

describe("applyPatch on groups", () => {
  it("renames a group", () => {
    expect(patchGroup(sales(), { op: "Replace", path: "displayName", value: "Sales EMEA" })["displayName"]).toBe("Sales EMEA");
  });

  it("treats Add externalId as replace", () => {
    expect(patchGroup(sales(), { op: "Add", path: "externalId", value: "e-2" })["externalId"]).toBe("e-2");
  });

  it("applies Okta's rename with the read-only id in the value", () => {
    expect(patchGroup(sales(), { op: "replace", value: { id: "g-1", displayName: "Sales EMEA" } })).toEqual({ ...sales(), displayName: "Sales EMEA" });
  });

  it("refuses to touch members, which are applied by planGroupPatch", () => {
    expect(() => patchGroup(sales(), { op: "add", path: "members", value: [{ value: "u-1" }] })).toThrow(/planGroupPatch/);
  });

  it("rejects User attributes", () => {
    expectScimError(() => patchGroup(sales(), { op: "replace", path: "userName", value: "x" }), 400, "invalidPath");
  });
});
