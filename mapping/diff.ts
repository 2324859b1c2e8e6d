/** What changed between two sets of effective permissions, field by field (plans, CLIs, audit views). */
import { AREAS } from "./types";
import type { Area, EffectivePermissions, Level, OrgRole } from "./types";

export interface ListChange {
  added: string[];
  removed: string[];
}

export interface PermissionChange {
  changed: boolean;
  orgRole: { before: OrgRole; after: OrgRole } | null;
  /** Only the areas whose level changed, in AREAS order. */
  admin: Array<{ area: Area; before: Level; after: Level }>;
  capabilities: ListChange;
  connectors: ListChange;
  roles: ListChange;
  /** One line per changed field, e.g. "billing: none → manage", for CLIs and audit views. */
  summary: string[];
}

export function diffPermissions(before: EffectivePermissions, after: EffectivePermissions): PermissionChange {
  const orgRole = before.orgRole === after.orgRole ? null : { before: before.orgRole, after: after.orgRole };
  const admin = AREAS.filter((area) => before.admin[area] !== after.admin[area]).map((area) => ({
    area,
    before: before.admin[area],
    after: after.admin[area],
  }));
  const capabilities = listChange(before.capabilities, after.capabilities);
  const connectors = listChange(before.connectors, after.connectors);
  const roles = listChange(before.roles, after.roles);
  const summary = [
    ...(orgRole === null ? [] : [`org role: ${orgRole.before} → ${orgRole.after}`]),
    ...admin.map((change) => `${change.area}: ${change.before} → ${change.after}`),
    ...listSummary("capabilities", capabilities),
    ...listSummary("connectors", connectors),
    ...listSummary("roles", roles),
  ];
  return { changed: summary.length > 0, orgRole, admin, capabilities, connectors, roles, summary };
}

/** Sets, so a change between lists of thousands of roles costs their length, not its square. */
function listChange(before: readonly string[], after: readonly string[]): ListChange {
  const had = new Set(before);
  const has = new Set(after);
  return {
    added: after.filter((item) => !had.has(item)).sort(),
    removed: before.filter((item) => !has.has(item)).sort(),
  };
}

function listSummary(label: string, change: ListChange): string[] {
  return [
    ...(change.added.length > 0 ? [`${label}: + ${change.added.join(", ")}`] : []),
    ...(change.removed.length > 0 ? [`${label}: - ${change.removed.join(", ")}`] : []),
  ];
}
