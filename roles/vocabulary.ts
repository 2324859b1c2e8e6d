/**
 * Whether a product may ask about a capability or connector at all (the authorize API answers 400
 * for a name no one could ever have, instead of a silent "no"). Built-in names need no query.
 */
import type { Executor } from "../db/connection";
import { BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, type GrantKind, isKnownName } from "../mapping";
import type { MappingPermissionSync } from "./sync";

export async function isKnownGrant(tx: Executor, sync: MappingPermissionSync, orgId: string, kind: GrantKind, name: string): Promise<boolean> {
  const builtin: readonly string[] = kind === "capability" ? BUILTIN_CAPABILITIES : BUILTIN_CONNECTORS;
  if (builtin.includes(name)) return true;
  const { mapping } = await sync.inForce.mapping(tx, orgId);
  return isKnownName(kind, name, mapping, await sync.inForce.platform(tx, orgId));
}
