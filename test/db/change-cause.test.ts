import { type ChangeCause, actorOf, changeCauseFromJSON, requestIdOfCause } from "../../db/change-cause";

const causes: readonly ChangeCause[] = [
  { kind: "scim", method: "PATCH", path: "/scim/v2/Groups/g1", requestId: "okta-req-1" },
  { kind: "mapping", version: 3, source: "mapping.yaml" },
  { kind: "mapping", version: 4, source: "console", actor: "member:ada@example.com" },
  { kind: "cli", actor: "cli:ops", command: "mapping apply", reason: "rollback" },
  { kind: "admin", actor: "member:ada@example.com", action: "role.put", target: "editor", actionSeq: 12, version: 5, requestId: "req-9" },
  { kind: "admin", actor: "member:ada@example.com", action: "member.suspend", target: null, actionSeq: 13, reason: "left" },
  { kind: "platform", version: 2, source: "platform.yaml", actor: "file:platform.yaml" },
];

describe("the cause of a permission change, read back from the audit log", () => {
  it.each(causes.map((cause) => [cause.kind, cause] as const))("decodes a %s cause as it was written", (_kind, cause) => {
    expect(changeCauseFromJSON(JSON.parse(JSON.stringify(cause)))).toEqual(cause);
  });

  it.each([
    ["null", null],
    ["an array", [{ kind: "scim" }]],
    ["an unknown kind", { kind: "test" }],
    ["a SCIM cause without its request id", { kind: "scim", method: "POST", path: "/Users" }],
    ["a mapping cause whose version is text", { kind: "mapping", version: "3", source: "mapping.yaml" }],
    ["an admin cause whose target is missing", { kind: "admin", actor: "member:a", action: "role.put", actionSeq: 1 }],
  ])("refuses %s", (_what, value) => {
    expect(changeCauseFromJSON(value)).toBeNull();
  });

  it("names the actor and the request as the audit log's columns hold them", () => {
    expect(causes.map((cause) => [actorOf(cause), requestIdOfCause(cause)])).toEqual([
      ["scim", "okta-req-1"],
      ["mapping:mapping.yaml", null],
      ["member:ada@example.com", null],
      ["cli:ops", null],
      ["member:ada@example.com", "req-9"],
      ["member:ada@example.com", null],
      ["file:platform.yaml", null],
    ]);
  });
});
