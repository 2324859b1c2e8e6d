/** Roles: the organisation's custom roles, how many members hold each, and what gives them. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { RULES, mappingEditBlock } from "../access";
import { get } from "../api/client";
import type { RoleSummary } from "../api/types";
import type { Viewer } from "../app";
import { Badge, DisabledReason, Link, LoadedView, PageTitle, useLoad } from "../components/ui";
import { usePermissionChanges } from "../live";
import { href, navigate } from "../router";

export function RolesPage(props: { viewer: Viewer }): JSX.Element {
  const { access } = props.viewer;
  const roles = useLoad(() => get<{ roles: RoleSummary[] }>("/roles"), "roles");
  // Member counts move with every permission change.
  usePermissionChanges(null, roles.reload);
  const block = mappingEditBlock(access, access.may.edit_custom_roles, RULES.editRoles);
  const [name, setName] = useState("");
  // The mapping schema's name rule (mapping/mapping.schema.json); the server checks it again.
  const valid = name.length <= 100 && /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(name);
  return (
    <>
      <PageTitle>Roles</PageTitle>
      <p>Custom roles give members admin areas, capabilities and connectors. They apply to members whose org role is Custom.</p>
      <DisabledReason id="roles-disabled" reason={block} />
      <LoadedView loaded={roles} what="roles" isEmpty={(data) => data.roles.length === 0} empty={<p>No custom roles yet.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">Custom roles</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Description</th>
                <th scope="col">Members</th>
                <th scope="col">Given by</th>
              </tr>
            </thead>
            <tbody>
              {data.roles.map((role) => (
                <tr key={role.name}>
                  <th scope="row">
                    <Link href={href("roles", role.name)}>{displayNameOf(role) ?? role.name}</Link>
                    {displayNameOf(role) !== null && <span class="hint"> ({role.name})</span>}
                  </th>
                  <td>{typeof role.definition["description"] === "string" ? role.definition["description"] : ""}</td>
                  <td class="number">{role.memberCount}</td>
                  <td>
                    <GivenBy role={role} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (block === null && valid) navigate(`${href("roles", "new")}?name=${encodeURIComponent(name)}`);
        }}
      >
        <h2>New role</h2>
        <label for="new-role-name">Role name</label>
        <input id="new-role-name" value={name} onInput={(e) => setName(e.currentTarget.value)} disabled={block !== null} aria-describedby="new-role-hint roles-disabled" />
        <span id="new-role-hint" class="hint">
          Letters, digits, "_", "-", "." or ":", starting with a letter or digit.
        </span>
        <button type="submit" disabled={block !== null || !valid}>
          Create role…
        </button>
      </form>
    </>
  );
}

/** The name people read for a role, when its mapping gives one. */
const displayNameOf = (role: RoleSummary): string | null => (typeof role.definition["displayName"] === "string" ? role.definition["displayName"] : null);

export function GivenBy(props: { role: RoleSummary }): JSX.Element {
  const { groups, appRoles } = props.role;
  if (groups.length === 0 && appRoles.length === 0) return <span>Nothing yet</span>;
  return (
    <ul class="plain">
      {groups.map((g) => (
        <li key={g.id}>
          <Link href={href("groups", g.id)}>{g.displayName}</Link> <Badge kind={g.source}>{g.source === "manual" ? "Manual group" : "SCIM group"}</Badge>
        </li>
      ))}
      {appRoles.map((value) => (
        <li key={value}>
          App role <code>{value}</code>
        </li>
      ))}
    </ul>
  );
}
