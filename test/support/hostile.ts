import fc from "fast-check";

/**
 * Hostile requests for the fuzz test: what an attacker holding one organisation's tokens can send
 * to SCIM, the product API and the admin API — malformed JSON, wrong types, huge and deeply nested
 * values, invalid UTF-8, NUL bytes, injection strings, prototype keys, bad filters and paths,
 * over-long strings. Every write is built so that it must be refused: POSTs reuse a name that is
 * taken, PUTs take another resource's name, PATCHes end with an operation that cannot commit. So
 * any 2xx to a write is a hostile write accepted, and the directory must be exactly as it was.
 */
export interface HostileRequest {
  readonly surface: "scim" | "api" | "admin";
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Below the surface's root (`/scim/v2`, `/api/v1`, `/api/v1/admin`), with any query string. */
  readonly path: string;
  readonly body?: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** A write built to be refused: a 2xx is a failure (for /Bulk: every operation's status must be 4xx). */
  readonly mustFail: boolean;
  /** A filter no stored resource can match: a 200 list must be empty. */
  readonly matchesNothing: boolean;
  /** What was generated, for the failure report. */
  readonly kind: string;
}

/** The stored resources the generators aim at. None of their values holds a character of `NEVER_STORED`. */
export interface FuzzWorld {
  /** A user every PATCH and PUT targets, which must end the run unchanged. */
  readonly userId: string;
  readonly userName: string;
  /** Another user's name: a PUT of the target with it is a uniqueness conflict. */
  readonly otherUserName: string;
  readonly groupId: string;
  readonly groupName: string;
  readonly otherGroupName: string;
}

export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/** An id no resource has: a member reference to it cannot commit. */
const NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead";

/** Characters the seeded directory never holds, so a filter value containing one matches nothing. */
export const NEVER_STORED = ["%", "_", "'", "\\", "*", "\u0000", "\"", ";"];

// ---------------------------------------------------------------------------------------------
// Values

/** Values JSON.stringify cannot write: replaced by raw text when the body is serialised. */
class Raw {
  constructor(readonly bytes: Buffer) {}
}

const deepText = (depth: number, shape: "array" | "object"): string =>
  shape === "array" ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

const INJECTIONS = [
  "' OR '1'='1", "'; DROP TABLE users; --", "\" OR \"\"=\"", "1) OR (1=1", "%", "_", "%_%", "\\", "\\'", "*",
  "' UNION SELECT token_hash FROM tokens --", "$1", "?", ":name", "${jndi:ldap://x/a}", "{{7*7}}", "<script>alert(1)</script>",
  "\") or userName pr or (\"", "\" or \"1\" eq \"1", "a\u0000b", "\u0000", "\ud800", "x\udfffy", "\uffff", "\u202e", "\r\n\r\n",
  "__proto__", "constructor", "prototype", "toString", "null", "undefined", "NaN", "-0", "1e309", "😀😀😀", " ", "",
  "../../etc/passwd", "%00", "%E0%A4%A", "bulkId:nope", "bulkId:", "urn:", "urn:ietf:params:scim:schemas:core:2.0:User:",
];

const injection = fc.constantFrom(...INJECTIONS);
/** Any UTF-16 code units: lone surrogates, NUL and other controls included. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 24 });

/** A short hostile string (fits in a URL). */
export const shortHostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: injection },
  { weight: 3, arbitrary: codeUnits },
  { weight: 1, arbitrary: fc.tuple(injection, fc.integer({ min: 256, max: 700 })).map(([s, n]) => s.padEnd(n, "x")) },
);

/** A hostile string, some over every column and over the per-attribute limit. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 150, arbitrary: shortHostile },
  { weight: 1, arbitrary: fc.constantFrom(65_537, 100_000).map((n) => "y".repeat(n)) },
);

const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 53 + 1, -0, 1e308, -1, 0),
);
const rawNumber = fc.constantFrom("1e309", "-1e309", "1e-400", "123456789012345678901234567890", "-0.0e0").map((t) => new Raw(Buffer.from(t)));
const deep = fc.record({ depth: fc.integer({ min: 100, max: 5000 }), shape: fc.constantFrom("array" as const, "object" as const) }).map((d) => new Raw(Buffer.from(deepText(d.depth, d.shape))));
/** A JSON string holding bytes that are not UTF-8: a lone continuation byte, an overlong NUL, an encoded surrogate, 0xff. */
const badUtf8 = fc.tuple(fc.constantFrom("ab", "", "x\u00e9"), fc.constantFrom([0xff], [0xfe, 0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3]))
  .map(([prefix, bytes]) => new Raw(Buffer.concat([Buffer.from(`"${prefix}`), Buffer.from(bytes), Buffer.from('"')])));
const bigArray = fc.integer({ min: 500, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => ({ value: `v${i}` })));

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];
const USER_KEYS = ["userName", "name", "givenName", "displayName", "title", "emails", "value", "primary", "type", "active", "roles", "members", "externalId", "manager", "schemas", "id", "meta", "$ref", ENTERPRISE];
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS, ...USER_KEYS) }, { weight: 1, arbitrary: shortHostile });

/** An object built with own properties, so "__proto__" is a key and not the prototype. */
const objectOf = (value: fc.Arbitrary<unknown>, maxKeys: number) => fc.array(fc.tuple(key, value), { maxLength: maxKeys }).map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    { weight: 24, arbitrary: hostileString },
    { weight: 8, arbitrary: number },
    { weight: 4, arbitrary: fc.boolean() },
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 8, arbitrary: objectOf(tie("value"), 4) },
    { weight: 1, arbitrary: deep },
    { weight: 3, arbitrary: badUtf8 },
    { weight: 2, arbitrary: rawNumber },
  ),
})).value;

/** A value of a list, with now and then thousands of elements. */
const hostileOrBig = fc.oneof({ weight: 100, arbitrary: hostileValue }, { weight: 1, arbitrary: bigArray });

// ---------------------------------------------------------------------------------------------
// Serialising bodies

/** JSON text with the `Raw` values spliced in as bytes. */
export function serialise(value: unknown): Buffer {
  const raws: Raw[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v);
      return `@@RAW${raws.length - 1}@@`;
    }
    return v;
  }) ?? "null";
  if (raws.length === 0) return Buffer.from(text);
  const parts: Buffer[] = [];
  let at = 0;
  for (const match of text.matchAll(/"@@RAW(\d+)@@"/g)) {
    parts.push(Buffer.from(text.slice(at, match.index)));
    parts.push(raws[Number(match[1])]?.bytes ?? Buffer.from("null"));
    at = (match.index ?? 0) + match[0].length;
  }
  parts.push(Buffer.from(text.slice(at)));
  return Buffer.concat(parts);
}

/** Damage to the bytes of a body: JSON that does not parse, bytes that are not UTF-8, or no JSON at all. */
const corruption: fc.Arbitrary<(body: Buffer) => Buffer> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => (b: Buffer) => b.subarray(0, Math.floor(b.length * f))),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom([0xff], [0x00], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x22], [0x7b], [0x5d], [0x2c, 0x2c]))
    .map(([f, bytes]) => (b: Buffer) => {
      const at = Math.floor(b.length * f);
      return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]);
    }),
  fc.constantFrom(
    () => Buffer.alloc(0),
    () => Buffer.from("null"),
    () => Buffer.from("[]"),
    () => Buffer.from('"a string"'),
    () => Buffer.from("1e309"),
    () => Buffer.from("true"),
    () => Buffer.from("{'single': 'quotes'}"),
    () => Buffer.from("{\"a\":1,}"),
    () => Buffer.from("userName=ada&active=true"),
    (b: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]),
    (b: Buffer) => Buffer.from(b.toString("utf8"), "utf16le"),
    (b: Buffer) => Buffer.concat([b, Buffer.from("garbage")]),
    (b: Buffer) => Buffer.concat([b, b]),
  ),
);

const CONTENT_TYPES = ["application/scim+json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/json; charset=utf-16", "multipart/form-data; boundary=x", ""];
const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant("application/scim+json") }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) });

/** A body: mostly the value as JSON, sometimes with its bytes damaged. */
const bodyOf = (value: unknown, damage: ((b: Buffer) => Buffer) | null): Buffer => (damage === null ? serialise(value) : damage(serialise(value)));
/** One body in six is damaged. */
const maybeDamage = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: corruption });

// ---------------------------------------------------------------------------------------------
// Resources with a defect

type Path = readonly (string | number)[];

/** A deep copy of plain objects and arrays that keeps keys such as "__proto__" as own properties. */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value instanceof Raw || typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) define(out, k, clone(v));
  return out;
}

function define(container: object, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, configurable: true, writable: true });
}

/** The own property `key` (never an inherited one: "__proto__" is a key here, not the prototype). */
function own(container: object, key: string | number): unknown {
  return Object.getOwnPropertyDescriptor(container, key)?.value;
}

/** Sets `path` in a copy of `base` to `value`, creating objects (or arrays, for a numeric step) on the way. */
function setPath(base: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const root = clone(base) as Record<string, unknown>;
  let node: object = root;
  path.forEach((step, i) => {
    if (i === path.length - 1) {
      define(node, step, value);
      return;
    }
    const next = own(node, step);
    const child: object = typeof next === "object" && next !== null && !(next instanceof Raw) ? next : typeof path[i + 1] === "number" ? [] : {};
    define(node, step, child);
    node = child;
  });
  return root;
}

const USER_PATHS: readonly Path[] = [
  ["name"], ["name", "givenName"], ["name", "familyName"], ["displayName"], ["nickName"], ["title"], ["emails"], ["emails", 0],
  ["emails", 0, "value"], ["emails", 0, "primary"], ["emails", 1], ["phoneNumbers"], ["addresses"], ["addresses", 0, "formatted"],
  ["active"], ["roles"], ["roles", 0, "value"], ["externalId"], ["schemas"], ["id"], ["meta"], ["groups"], ["x509Certificates"],
  ["entitlements"], ["ims", 0, "value"], [ENTERPRISE], [ENTERPRISE, "manager"], [ENTERPRISE, "manager", "value"], [ENTERPRISE, "department"],
  [`${ENTERPRISE}:employeeNumber`], [`${ENTERPRISE}:manager`], ["__proto__"], ["constructor"], ["prototype"], ["__proto__", "userName"],
  ["constructor", "prototype", "userName"], ["urn:ietf:params:scim:schemas:core:2.0:User:title"], ["urn:unknown:schema"],
];
const GROUP_PATHS: readonly Path[] = [
  ["externalId"], ["schemas"], ["id"], ["meta"], ["members", 0], ["members", 0, "value"], ["members", 0, "type"], ["members", 0, "$ref"],
  ["members", 1], ["members", 0, "display"], ["__proto__"], ["constructor"], ["prototype"], ["__proto__", "displayName"],
  ["urn:ietf:params:scim:schemas:core:2.0:Group:displayName"], ["urn:microsoft:ad:scim:schemas:extension:1.0:Group"],
];

/** Values a unique name may be given and still be refused: with NUL, over every column, of a wrong type. */
const refusedName = fc.oneof(
  fc.constantFrom(null, "", true, false, [], {}, ["a"], { value: "x" }, "\u0000", "ada\u0000@example.com", "y".repeat(70_000), "x".repeat(501)),
  deep,
  rawNumber.filter((r) => r.bytes.toString().includes("e3")),
);

/** Undefined three times in four. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const mutations = (paths: readonly Path[]) => fc.array(fc.tuple(fc.constantFrom(...paths), hostileOrBig), { minLength: 1, maxLength: 3 });

/** A user representation with one to three hostile values, named like an existing user (so it cannot be stored). */
const hostileUser = (userName: string) =>
  fc.tuple(mutations(USER_PATHS), rarely(refusedName), fc.constantFrom(userName, userName.toUpperCase()))
    .map(([changes, name, taken]) => {
      let user: Record<string, unknown> = { schemas: [CORE_USER], userName: taken, name: { givenName: "Fuzz", familyName: "Target" }, emails: [{ value: "fuzz@example.com", type: "work", primary: true }], active: true };
      for (const [path, value] of changes) user = setPath(user, path, value);
      if (name !== undefined) user.userName = name;
      return user;
    });

/** A group representation with hostile values, named like an existing group and listing a member that does not exist. */
const hostileGroup = (displayName: string) =>
  fc.tuple(mutations(GROUP_PATHS), rarely(refusedName), fc.constantFrom(displayName, displayName.toLowerCase()))
    .map(([changes, name, taken]) => {
      let group: Record<string, unknown> = { schemas: [CORE_GROUP], displayName: taken, members: [] as unknown[] };
      for (const [path, value] of changes) group = setPath(group, path, value);
      if (name !== undefined) group.displayName = name;
      const members = group.members;
      if (Array.isArray(members)) group.members = [...(members as unknown[]), { value: NO_SUCH_ID }];
      return group;
    });

// ---------------------------------------------------------------------------------------------
// Filters, paths, query strings

/** encodeURIComponent, except that a lone surrogate becomes the bytes of its (invalid) UTF-8 encoding. */
function percentEncode(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const hex = (b: number) => `%${b.toString(16).toUpperCase()}`;
    out += c >= 0xd800 && c <= 0xdfff ? `${hex(0xe0 | (c >> 12))}${hex(0x80 | ((c >> 6) & 0x3f))}${hex(0x80 | (c & 0x3f))}` : encodeURIComponent(ch);
  }
  return out;
}

const FILTER_ATTRS = ["userName", "displayName", "emails.value", 'emails[type eq "work"].value', "name.givenName", "title", "externalId", "members.value", "members", "meta.lastModified", "meta.created", "active", `${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`, "id", "groups.value", "roles.value", "urn:ietf:params:scim:schemas:core:2.0:User:userName", "nope", "emails[value co \"x\"]", "name.nope", "__proto__", "constructor.name"];
const MATCH_NOTHING_ATTRS = ["userName", "displayName", "emails.value", "name.givenName", "title", "externalId"];
const FILTER_OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "xx", "=", "==", "like"];
const filterValue = fc.oneof(
  shortHostile.map((s) => JSON.stringify(s)),
  shortHostile.map((s) => `"${s}"`),
  fc.constantFrom("true", "false", "null", "1", "-1.5e3", "1e309", "2024-01-01T00:00:00Z", '"2024-13-45T99:99:99Z"', "", '"', '"unterminated', "[]", "{}"),
);
const simpleFilter = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...FILTER_ATTRS), fc.constantFrom(...FILTER_OPS), filterValue).map(([a, o, v]) => `${a} ${o} ${v}`) },
  { weight: 1, arbitrary: fc.constantFrom(...FILTER_ATTRS).map((a) => `${a} pr`) },
  { weight: 2, arbitrary: fc.constantFrom("(", ")", "((userName pr)", "userName eq", "eq \"x\"", "and", "not", "not userName pr", "userName pr and", "[", "]]]", "emails[", "emails[type eq \"work\"", "members[value eq \"x\"]]", "\"\"", "\u0000", "userName eq \"a\" or", "or or or", "userName  eq  \"a\"") },
  { weight: 2, arbitrary: shortHostile },
);
/** Filters made of terms and/or/not, sometimes thousands of terms, sometimes nested hundreds deep. */
const hostileFilter: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: simpleFilter },
  { weight: 3, arbitrary: fc.tuple(simpleFilter, fc.constantFrom(" and ", " or ", " AND ", " Or "), simpleFilter).map(([a, j, b]) => `${a}${j}${b}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("not (", "(", "not(", "(("), simpleFilter).map(([open, f]) => `${open}${f})`) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 50, max: 1500 }), fc.constantFrom(" or ", " and ")).map(([n, j]) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(j)) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 1500 }).map((n) => `${"(".repeat(n)}userName pr${")".repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 1000 }).map((n) => `${"not (".repeat(n)}userName pr${")".repeat(n)}`) },
);
/** A filter that cannot match anything stored: its value holds a character no stored value has. */
const nothingFilter = fc.tuple(fc.constantFrom(...MATCH_NOTHING_ATTRS), fc.constantFrom("eq", "co", "sw", "ew"), fc.constantFrom(...NEVER_STORED), shortHostile)
  .map(([a, o, special, s]) => `${a} ${o} ${JSON.stringify(`${special}${s}`)}`);

const PATCH_PATHS = ["title", "name.givenName", "name", "emails", 'emails[type eq "work"].value', 'emails[type eq "work"]', "emails[value pr]", "emails.value", "phoneNumbers", "addresses[type eq \"work\"].formatted", "active", "roles", `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, ENTERPRISE, "externalId", "displayName", "members", 'members[value eq "x"]', "members[value eq", "id", "meta.version", "schemas", "userName", "groups", "__proto__", "constructor.prototype", "emails[type eq \"work\"].value.extra", "name..givenName", "", ".", "[", "urn:", "nope.nope"];
const patchPath = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PATCH_PATHS) }, { weight: 1, arbitrary: hostileFilter.map((f) => `emails[${f}].value`) }, { weight: 1, arbitrary: hostileFilter.map((f) => `members[${f}]`) }, { weight: 1, arbitrary: shortHostile });
const patchOp = fc.record(
  { op: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("add", "replace", "remove", "Add", "Replace", "Remove") }, { weight: 1, arbitrary: hostileValue }), path: patchPath, value: hostileOrBig },
  { requiredKeys: ["op"] },
);

/** A query string: each parameter present or not, hostile, and now and then an array or object form. */
const listQuery = fc.record(
  {
    filter: fc.oneof(hostileFilter, nothingFilter),
    attributes: fc.oneof(shortHostile, fc.constantFrom("userName,emails", "members", "name.givenName", "emails[type eq \"work\"]", "[[[[[[", "urn:", "")),
    excludedAttributes: fc.oneof(shortHostile, fc.constantFrom("members", "groups", "emails.value")),
    sortBy: fc.oneof(shortHostile, fc.constantFrom("userName", "emails.value", "meta.created", "members", "nope")),
    sortOrder: fc.oneof(shortHostile, fc.constantFrom("ascending", "descending", "DESC")),
    startIndex: fc.oneof(number.map(String), shortHostile),
    count: fc.oneof(number.map(String), shortHostile),
  },
  { requiredKeys: [] },
).chain((params) =>
  fc.constantFrom("plain", "array", "object").map((form) => {
    const entries = Object.entries(params).map(([k, v]) => {
      const text = String(v).slice(0, 6000);
      if (form === "array") return `${k}[]=${percentEncode(text)}`;
      if (form === "object") return `${k}[__proto__]=${percentEncode(text)}`;
      return `${k}=${percentEncode(text)}`;
    });
    return entries.length === 0 ? "" : `?${entries.join("&")}`;
  }),
);

const hostileId = fc.oneof(
  shortHostile.map((s) => percentEncode(s)),
  fc.constantFrom("%00", "%E0%A4%A", "..%2F..%2Fetc", "%2e%2e", "%ff", "%", "%%", "a%2Fb", "__proto__", "constructor", NO_SUCH_ID, "1", "-1", "null", "x".repeat(5000)),
);

// ---------------------------------------------------------------------------------------------
// Requests

const scim = (method: HostileRequest["method"], path: string, body: Buffer | undefined, type: string, mustFail: boolean, kind: string, matchesNothing = false): HostileRequest => ({
  surface: "scim", method, path, ...(body === undefined ? {} : { body }), headers: type === "" ? {} : { "content-type": type }, mustFail, matchesNothing, kind,
});

function scimWrites(w: FuzzWorld): fc.Arbitrary<HostileRequest>[] {
  const userPatch = fc.array(patchOp, { minLength: 1, maxLength: 4 }).map((ops) => ({ schemas: [PATCH_OP], Operations: [...ops, { op: "replace", path: "userName", value: w.otherUserName }] }));
  const groupPatch = fc.array(patchOp, { minLength: 1, maxLength: 4 }).map((ops) => ({ schemas: [PATCH_OP], Operations: [...ops, { op: "add", path: "members", value: [{ value: NO_SUCH_ID }] }] }));
  const envelope = fc.oneof(
    fc.record({ schemas: hostileValue, Operations: hostileValue }, { requiredKeys: [] }),
    fc.array(patchOp, { maxLength: 3 }).map((ops) => ({ Operations: ops })),
  );
  return [
    fc.tuple(hostileUser(w.otherUserName), maybeDamage, contentType).map(([u, d, t]) => scim("POST", "/Users", bodyOf(u, d), t, true, "POST /Users")),
    fc.tuple(hostileUser(w.otherUserName), maybeDamage, contentType).map(([u, d, t]) => scim("PUT", `/Users/${w.userId}`, bodyOf(u, d), t, true, "PUT /Users/{id}")),
    fc.tuple(fc.oneof({ weight: 4, arbitrary: userPatch }, { weight: 1, arbitrary: envelope }), maybeDamage, contentType).map(([p, d, t]) => scim("PATCH", `/Users/${w.userId}`, bodyOf(p, d), t, true, "PATCH /Users/{id}")),
    fc.tuple(hostileGroup(w.otherGroupName), maybeDamage, contentType).map(([g, d, t]) => scim("POST", "/Groups", bodyOf(g, d), t, true, "POST /Groups")),
    fc.tuple(hostileGroup(w.otherGroupName), maybeDamage, contentType).map(([g, d, t]) => scim("PUT", `/Groups/${w.groupId}`, bodyOf(g, d), t, true, "PUT /Groups/{id}")),
    fc.tuple(fc.oneof({ weight: 4, arbitrary: groupPatch }, { weight: 1, arbitrary: envelope }), maybeDamage, contentType).map(([p, d, t]) => scim("PATCH", `/Groups/${w.groupId}`, bodyOf(p, d), t, true, "PATCH /Groups/{id}")),
    fc.tuple(fc.constantFrom("Users", "Groups"), hostileId, fc.constantFrom("PUT", "PATCH", "DELETE") as fc.Arbitrary<"PUT" | "PATCH" | "DELETE">, hostileValue)
      .map(([type, id, method, value]) => scim(method, `/${type}/${id}`, method === "DELETE" ? undefined : serialise(value), "application/scim+json", true, `${method} /${type}/{hostile id}`)),
  ];
}

function bulkRequest(w: FuzzWorld): fc.Arbitrary<HostileRequest> {
  const operation = fc.oneof(
    hostileUser(w.otherUserName).map((data) => ({ method: "POST", path: "/Users", bulkId: "u", data })),
    hostileUser(w.otherUserName).map((data) => ({ method: "PUT", path: `/Users/${w.userId}`, data })),
    hostileGroup(w.otherGroupName).map((data) => ({ method: "POST", path: "/Groups", bulkId: "g", data })),
    hostileGroup(w.otherGroupName).map((data) => ({ method: "PUT", path: `/Groups/${w.groupId}`, data })),
    fc.array(patchOp, { minLength: 1, maxLength: 3 }).map((ops) => ({ method: "PATCH", path: `/Groups/${w.groupId}`, data: { schemas: [PATCH_OP], Operations: [...ops, { op: "add", path: "members", value: [{ value: "bulkId:never" }] }] } })),
    hostileId.map((id) => ({ method: "DELETE", path: `/Users/${id}` })),
    fc.record({ method: hostileValue, path: hostileValue, bulkId: hostileValue, version: hostileValue, data: hostileValue }, { requiredKeys: [] }),
    fc.tuple(fc.constantFrom("POST", "PUT", "PATCH", "DELETE", "GET", "post", "HEAD"), fc.oneof(shortHostile, fc.constantFrom("/Users", "/Groups/bulkId:u", "/Users/bulkId:", "/Users/../Groups", "/Bulk", "/Users?filter=x", "Users"))).map(([method, path]) => ({ method, path, data: { schemas: [CORE_USER], userName: w.otherUserName } })),
  );
  const body = fc.record({
    schemas: fc.oneof({ weight: 5, arbitrary: fc.constant([BULK_REQUEST]) }, { weight: 1, arbitrary: hostileValue }),
    failOnErrors: fc.option(fc.oneof(number, hostileValue), { nil: undefined }),
    Operations: fc.oneof({ weight: 8, arbitrary: fc.array(operation, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: hostileValue }),
  });
  return fc.tuple(body, maybeDamage, contentType).map(([b, d, t]) => scim("POST", "/Bulk", bodyOf(b, d), t, true, "POST /Bulk"));
}

function scimReads(w: FuzzWorld): fc.Arbitrary<HostileRequest>[] {
  const searchBody = fc.oneof(
    fc.record({ schemas: fc.oneof(fc.constant([SEARCH_REQUEST]), hostileValue), filter: fc.oneof(hostileFilter, hostileValue), attributes: hostileValue, excludedAttributes: hostileValue, sortBy: hostileValue, sortOrder: hostileValue, startIndex: hostileValue, count: hostileValue }, { requiredKeys: [] }),
    hostileValue,
  );
  return [
    fc.tuple(fc.constantFrom("Users", "Groups"), listQuery).map(([type, q]) => scim("GET", `/${type}${q}`, undefined, "", false, `GET /${type}?query`)),
    fc.tuple(fc.constantFrom("Users", "Groups"), nothingFilter).map(([type, f]) => scim("GET", `/${type}?filter=${percentEncode(f)}`, undefined, "", false, `GET /${type}?filter (matches nothing)`, true)),
    fc.tuple(fc.constantFrom("/Users/.search", "/Groups/.search", "/.search"), searchBody, maybeDamage, contentType).map(([path, b, d, t]) => scim("POST", path, bodyOf(b, d), t, false, `POST ${path}`)),
    fc.tuple(fc.constantFrom("/Users/.search", "/Groups/.search", "/.search"), nothingFilter).map(([path, f]) => scim("POST", path, serialise({ schemas: [SEARCH_REQUEST], filter: f }), "application/scim+json", false, `POST ${path} (matches nothing)`, true)),
    fc.tuple(fc.constantFrom("Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", "Me", "nope"), hostileId, listQuery).map(([type, id, q]) => scim("GET", `/${type}/${id}${q}`, undefined, "", false, `GET /${type}/{hostile id}`)),
    fc.tuple(fc.constantFrom(`/Users/${w.userId}`, `/Groups/${w.groupId}`), listQuery).map(([path, q]) => scim("GET", `${path}${q}`, undefined, "", false, "GET a known resource with a hostile projection")),
  ];
}

const api = (surface: "api" | "admin", method: HostileRequest["method"], route: string, path: string, body: Buffer | undefined, headers: Record<string, string> = {}): HostileRequest => ({
  surface, method, path, ...(body === undefined ? {} : { body }), headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, mustFail: false, matchesNothing: false, kind: `${surface} ${method} ${route}`,
});

function apiRequests(w: FuzzWorld): fc.Arbitrary<HostileRequest>[] {
  const member = fc.oneof(fc.constantFrom(w.userName, w.userId, w.otherUserName.toUpperCase()), hostileValue);
  const authorize = fc.oneof(
    fc.record({ member, area: fc.oneof(fc.constantFrom("billing", "identity_access", "nope"), hostileValue), level: fc.oneof(fc.constantFrom("view", "manage", "none", "owner"), hostileValue), capability: hostileValue, connector: hostileValue }, { requiredKeys: ["member"] }),
    hostileValue,
    fc.constant({ member: w.userName, area: "billing", level: "view", pad: "p".repeat(100_000) }),
  );
  const q = (name: string) => shortHostile.map((s) => `?${name}=${percentEncode(s)}`);
  return [
    fc.tuple(authorize, maybeDamage).map(([b, d]) => api("api", "POST", "/authorize", "/authorize", bodyOf(b, d))),
    hostileId.map((id) => api("api", "GET", "/members/{id}/permissions", `/members/${id}/permissions`, undefined)),
    hostileId.map((id) => api("api", "GET", "/members/{id}/permissions/explain", `/members/${id}/permissions/explain`, undefined)),
    fc.oneof(q("userName"), shortHostile.map((s) => `?userName[]=${percentEncode(s)}`), fc.constant("?userName[__proto__]=x"))
      .map((query) => api("api", "GET", "/members/permissions?userName", `/members/permissions${query}`, undefined)),
    q("member").map((query) => api("api", "GET", "/audit?member", `/audit${query}`, undefined)),
    hostileId.map((id) => api("api", "GET", "/{unknown}", `/${id}`, undefined)),
  ];
}

function adminRequests(w: FuzzWorld): fc.Arbitrary<HostileRequest>[] {
  const q = (...names: string[]) => fc.array(fc.tuple(fc.constantFrom(...names), shortHostile), { maxLength: 3 }).map((ps) => (ps.length === 0 ? "" : `?${ps.map(([k, v]) => `${k}=${percentEncode(v)}`).join("&")}`));
  const ifMatch = fc.constantFrom<Record<string, string>>({}, { "if-match": "*" }, { "if-match": 'W/"999999"' }, { "if-match": "garbage" }, { "if-match": 'W/"-1"' }, { "if-match": "\u00ff" });
  const name = hostileId;
  const get = (route: string, path: fc.Arbitrary<string>) => path.map((p) => api("admin", "GET", route, p, undefined));
  const write = (method: "PUT" | "POST" | "DELETE", route: string, path: fc.Arbitrary<string>) =>
    fc.tuple(path, hostileValue, maybeDamage, ifMatch).map(([p, v, d, h]) => api("admin", method, route, p, method === "DELETE" ? undefined : bodyOf(v, d), h));
  return [
    get("/members?query", q("q", "orgRole", "role", "cursor", "limit").map((s) => `/members${s}`)),
    get("/groups?query", q("source", "q", "cursor", "limit").map((s) => `/groups${s}`)),
    get("/audit?query", q("member", "actor", "cursor", "limit").map((s) => `/audit${s}`)),
    get("/actions?query", q("actor", "cursor", "limit").map((s) => `/actions${s}`)),
    get("/mapping/versions?query", q("cursor", "limit").map((s) => `/mapping/versions${s}`)),
    get("/mapping/versions/{v}[/diff]", fc.tuple(name, q("from")).map(([v, s]) => `/mapping/versions/${v}${s === "" ? "" : `/diff${s}`}`)),
    get("/members/{id}", name.map((id) => `/members/${id}`)),
    get("/groups/{id}/members", name.map((id) => `/groups/${id}/members`)),
    fc.tuple(fc.oneof(hostileValue, fc.record({ document: hostileValue, change: hostileValue }, { requiredKeys: [] })), maybeDamage)
      .map(([b, d]) => api("admin", "POST", "/mapping/plan", "/mapping/plan", bodyOf(b, d))),
    write("PUT", "/mapping", fc.constant("/mapping")),
    write("PUT", "/roles/{name}", name.map((n) => `/roles/${n}`)),
    write("DELETE", "/roles/{name}", name.map((n) => `/roles/${n}`)),
    write("POST", "/rules", fc.constant("/rules")),
    write("DELETE", "/rules/{id}", name.map((n) => `/rules/${n}`)),
    write("PUT", "/org", fc.constant("/org")),
    write("PUT", "/standard-roles/{role}", fc.oneof(name, fc.constantFrom("admin", "user")).map((n) => `/standard-roles/${n}`)),
    write("PUT", "/primary-owner", fc.constant("/primary-owner")),
    write("POST", "/mapping/rollback", fc.constant("/mapping/rollback")),
    write("POST", "/groups", fc.constant("/groups")),
    write("DELETE", "/groups/{id}", name.map((n) => `/groups/${n}`)),
    write("PUT", "/groups/{id}/members/{userId}", fc.tuple(name, fc.oneof(name, fc.constant(w.userId))).map(([g, u]) => `/groups/${g}/members/${u}`)),
    write("DELETE", "/groups/{id}/members/{userId}", fc.tuple(name, name).map(([g, u]) => `/groups/${g}/members/${u}`)),
    write("DELETE", "/scim-tokens/{id}", name.map((n) => `/scim-tokens/${n}`)),
  ];
}

/** One hostile request; the surfaces weighted roughly as an attacker's traffic would be. */
export function hostileRequest(w: FuzzWorld): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.oneof(...scimWrites(w)) },
    { weight: 3, arbitrary: bulkRequest(w) },
    { weight: 6, arbitrary: fc.oneof(...scimReads(w)) },
    { weight: 3, arbitrary: fc.oneof(...apiRequests(w)) },
    { weight: 4, arbitrary: fc.oneof(...adminRequests(w)) },
  );
}
