/**
 * The app-role values of a stored user: the `value` of each element of its SCIM `roles`, as the
 * IdP sent it (role mapping compares them exactly). One quirk is decoded: without the
 * aadOptscim062020 flag, Entra's PATCH for SingleAppRoleAssignment and AppRoleAssignmentsComplex
 * sends each role's value as a JSON text, `"{\"id\":\"…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"`,
 * where its POST sends `"value": "Admin"` (Microsoft Learn, "Provisioning a role to a SCIM app";
 * fixtures/entra/assign-app-role.json). The stored text stays as sent; the app role is its `value`.
 */
import { isObject } from "../mapping/json";
import { readJson } from "./json";

export function appRoleValues(roles: unknown): string[] {
  const list = readJson(roles);
  if (!Array.isArray(list)) return [];
  const values = new Set<string>();
  for (const role of list) {
    const value = isObject(role) ? role["value"] : undefined;
    if (typeof value === "string" && value !== "") values.add(encodedValue(value) ?? value);
  }
  return [...values].sort();
}

function encodedValue(text: string): string | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const decoded: unknown = JSON.parse(text);
    const inner = isObject(decoded) ? decoded["value"] : undefined;
    return typeof inner === "string" && inner !== "" ? inner : undefined;
  } catch {
    return undefined;
  }
}
