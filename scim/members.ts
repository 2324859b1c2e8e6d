/**
 * Group member references (RFC 7643 §4.2), read the same way from a POST or PUT body and from a
 * PATCH value. A member is `{"value": id, "display"?, "type"?, "$ref"?}`: Entra sends
 * `"$ref": null` (fixtures/entra/add-members.json), Okta adds `display`
 * (fixtures/okta/membership-oin-patch.json). A bare id string is read as that member too; no
 * recorded IdP traffic sends one, but it is unambiguous. Only the id is kept: `display` and
 * `$ref` are derived from the member when the group is read.
 */
import { invalidValue } from "./errors";
import { isObject } from "../mapping/json";
import { getKey } from "./json";
import { ITEMS_PER_STEP, type Stepwise } from "../http/turns";

/**
 * The ids named by a member list; a lone member counts as a one-element list, and an id named
 * twice is kept once. `null` names nobody. Stepwise: a 32 MiB body holds 600k members.
 */
export function* readMemberIds(raw: unknown, label: string): Stepwise<string[]> {
  if (raw === null || raw === undefined) return [];
  const items: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
  const ids = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    ids.add(memberId(items[i], label, i));
    if (i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  return [...ids];
}

function memberId(raw: unknown, list: string, index: number): string {
  if (typeof raw === "string" && raw !== "") return raw;
  const label = `${list}[${index}]`;
  if (!isObject(raw)) throw invalidValue(`${label} must be a member object with a string "value", but got ${JSON.stringify(raw)}.`);
  const value = getKey(raw, "value");
  if (typeof value !== "string" || value === "") {
    throw invalidValue(`${label}.value must be the member's id as a non-empty string, but got ${JSON.stringify(value) ?? "nothing"}.`);
  }
  const type = getKey(raw, "type");
  if (typeof type === "string" && type !== "" && !["user", "group"].includes(type.toLowerCase())) {
    throw invalidValue(`${label}.type must be "User" or "Group", but got ${JSON.stringify(type)}.`);
  }
  return value;
}
