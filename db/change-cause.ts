/**
 * Why a member's permissions changed, as the audit log (db/audit.ts) and the event stream record
 * it. It belongs to no protocol: SCIM writes, the admin API, the CLI, the mapping and platform
 * files each cause changes, and the role service records them alike. Actors are
 * `member:<userName>` (the admin API), `cli:<os user>`, `file:<path>` (MAPPING_FILE / PLATFORM_FILE).
 */
import { isObject } from "../mapping/json";

export type ChangeCause =
  | { readonly kind: "scim"; readonly method: string; readonly path: string; readonly requestId: string }
  | { readonly kind: "mapping"; readonly version: number; readonly source: string; readonly actor?: string }
  | { readonly kind: "cli"; readonly actor: string; readonly command: string; readonly reason?: string }
  | {
      readonly kind: "admin";
      readonly actor: string;
      /** e.g. `role.put`, `group.member.remove` (the admin log's action). */
      readonly action: string;
      readonly target: string | null;
      /** The admin log row of this write. */
      readonly actionSeq: number;
      /** The mapping version it created, when it changed the mapping. */
      readonly version?: number;
      /** The admin API request (X-Request-Id), as a SCIM cause carries its own. */
      readonly requestId?: string;
      /** Why, when the actor had to say (a suspension). */
      readonly reason?: string;
    }
  | { readonly kind: "platform"; readonly version: number; readonly source: string; readonly actor: string };

/** Who caused a change, as the audit log's `actor` column holds it. */
export function actorOf(cause: ChangeCause): string {
  switch (cause.kind) {
    case "scim":
      return "scim";
    case "mapping":
      return cause.actor ?? `mapping:${cause.source}`;
    case "cli":
    case "admin":
    case "platform":
      return cause.actor;
  }
}

/** The HTTP request that caused a change (the audit log's `request_id`), when one did. */
export function requestIdOfCause(cause: ChangeCause): string | null {
  return "requestId" in cause && typeof cause.requestId === "string" ? cause.requestId : null;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const optional = <T>(value: unknown, guard: (v: unknown) => v is T): boolean => value === undefined || guard(value);

/**
 * A cause read back from the audit log or the outbox: `unknown` until this says what it is. Null
 * for anything that is not one of the kinds above with its fields of the right types; the value
 * itself is returned, so fields added later pass through.
 */
export function changeCauseFromJSON(value: unknown): ChangeCause | null {
  return isChangeCause(value) ? value : null;
}

function isChangeCause(value: unknown): value is ChangeCause {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case "scim":
      return isString(value.method) && isString(value.path) && isString(value.requestId);
    case "mapping":
      return isNumber(value.version) && isString(value.source) && optional(value.actor, isString);
    case "cli":
      return isString(value.actor) && isString(value.command) && optional(value.reason, isString);
    case "admin":
      return (
        isString(value.actor) &&
        isString(value.action) &&
        (value.target === null || isString(value.target)) &&
        isNumber(value.actionSeq) &&
        optional(value.version, isNumber) &&
        optional(value.requestId, isString) &&
        optional(value.reason, isString)
      );
    case "platform":
      return isNumber(value.version) && isString(value.source) && isString(value.actor);
    default:
      return false;
  }
}
