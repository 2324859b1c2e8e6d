/** The role editor's parts: the grants a role's checkboxes and radio buttons set, and the pages shown instead of it. */
import type { JSX } from "preact";
import type { Area, Level, RoleDocument } from "../api/types";
import { Link, PageTitle } from "../components/ui";
import { AREAS, AREA_LABELS, LEVELS, LEVEL_LABELS } from "../labels";
import { href } from "../router";

/**
 * The arrow keys move between a level's options without wrapping: from "Can manage" onwards, or
 * from "No access" back, they stay put, so a keyboard user never drops an area to no access (or
 * raises it to manage) by pressing once too often.
 */
function stopAtEnds(index: number, last: number) {
  return (event: KeyboardEvent): void => {
    const forward = event.key === "ArrowRight" || event.key === "ArrowDown";
    const back = event.key === "ArrowLeft" || event.key === "ArrowUp";
    if ((forward && index === last) || (back && index === 0)) event.preventDefault();
  };
}

/** A new role's name that is already taken. */
export function RoleExists(props: { name: string }): JSX.Element {
  return (
    <>
      <PageTitle>New role {props.name}</PageTitle>
      <p>
        A role named {props.name} already exists: <Link href={href("roles", props.name)}>open it</Link> to change it.
      </p>
    </>
  );
}

/** A role that is not (or no longer) in the mapping. */
export function NoSuchRole(props: { name: string }): JSX.Element {
  return (
    <>
      <PageTitle>Role {props.name}</PageTitle>
      <p>There is no custom role named {props.name} (it may have been deleted).</p>
      <Link href={href("roles")}>Back to roles</Link>
    </>
  );
}

interface GrantChecksProps {
  readonly list: "capabilities" | "connectors";
  readonly names: readonly string[];
  readonly label: (name: string) => string;
  readonly toggles: Readonly<Record<string, "on" | "off">>;
  readonly selected: RoleDocument;
  readonly disabled: boolean;
  readonly describedBy: string | undefined;
  onToggle(list: "capabilities" | "connectors", name: string, on: boolean): void;
}

/** The capabilities or connectors a role grants, one checkbox each, saying which the organisation switched off. */
export function GrantChecks(props: GrantChecksProps): JSX.Element {
  const { list } = props;
  return (
    <fieldset disabled={props.disabled} aria-describedby={props.describedBy}>
      <legend>{list === "capabilities" ? "Capabilities this role grants" : "Connectors this role grants"}</legend>
      <ul class="checks">
        {props.names.map((n) => {
          const id = `${list}-${n}`;
          return (
            <li key={n}>
              <input type="checkbox" id={id} checked={props.selected[list].includes(n)} onChange={(e) => props.onToggle(list, n, e.currentTarget.checked)} />
              <label for={id}>{props.label(n)}</label>
              {props.toggles[n] === "off" && <span class="hint"> — switched off for the organisation: no one gets it while the toggle is off</span>}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/** A level for each admin area, as radio buttons that do not wrap at the ends. */
export function AreaLevelChoices(props: { admin: RoleDocument["admin"]; disabled: boolean; describedBy: string | undefined; onChange(area: Area, level: Level): void }): JSX.Element {
  return (
    <div class="areas">
      {AREAS.map((area) => (
        <fieldset key={area} class="area" disabled={props.disabled} aria-describedby={props.describedBy}>
          <legend>{AREA_LABELS[area]}</legend>
          {LEVELS.map((level, index) => {
            const id = `area-${area}-${level}`;
            return (
              <span key={level} class="radio">
                <input
                  type="radio"
                  id={id}
                  name={`area-${area}`}
                  value={level}
                  checked={(props.admin[area] ?? "none") === level}
                  onChange={() => props.onChange(area, level)}
                  onKeyDown={stopAtEnds(index, LEVELS.length - 1)}
                />
                <label for={id}>{LEVEL_LABELS[level]}</label>
              </span>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}
