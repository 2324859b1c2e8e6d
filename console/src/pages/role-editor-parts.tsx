/** The role editor's parts: the grants a role's checkboxes and radio buttons set, and the pages shown instead of it. */
import type { JSX } from "preact";
import type { Area, Level, RoleDocument, RoleSummary } from "../api/types";
import { type PickerItem, SearchPicker } from "../components/picker";
import { Link, PageTitle } from "../components/ui";
import type { RuleView } from "../document";
import { AREAS, AREA_LABELS, LEVELS, LEVEL_LABELS, type RoleNames, listInWords, orgRoleLabel } from "../labels";
import { href } from "../router";
import { ruleTargetInWords, theRole } from "../wording";
import { GivenBy } from "./roles";

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

interface GivenBySectionProps {
  readonly name: string;
  readonly summary: RoleSummary | null;
  readonly rules: readonly RuleView[];
  readonly names: RoleNames;
  readonly groupNames: ReadonlyMap<string, string>;
  readonly disabled: boolean;
  readonly describedBy: string | undefined;
  onStop(ruleId: string, target: string, others: readonly string[]): void;
  search(q: string): Promise<PickerItem[]>;
  onGive(group: PickerItem): void;
}

/** The groups and app roles that give the role, each rule with a way to stop it, and a picker to give it to another group. */
export function GivenBySection(props: GivenBySectionProps): JSX.Element {
  const { disabled, describedBy } = props;
  return (
    <section aria-labelledby="given-by">
      <h2 id="given-by">Given by</h2>
      {props.summary !== null && <GivenBy role={props.summary} />}
      {props.rules.length > 0 && (
        <ul class="rules">
          {props.rules.map((rule) => {
            const target = ruleTargetInWords(rule.document, props.groupNames);
            const others = [...rule.roles.filter((r) => r !== props.name).map((o) => theRole(o, props.names)), ...(rule.orgRole === null ? [] : [`the ${orgRoleLabel(rule.orgRole)} org role`])];
            return (
              <li key={rule.id}>
                Given to {target}
                {others.length > 0 && ` (with ${listInWords(others)})`}{" "}
                <button type="button" disabled={disabled} aria-describedby={describedBy} onClick={() => props.onStop(rule.id, target, others)}>
                  Stop giving it to {target}…
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <SearchPicker
        id="give-group"
        label="Give this role to a group"
        hint="Type the start of a group's name (SCIM or manual)."
        actionLabel={(g) => `Give to ${g.label}`}
        search={props.search}
        onPick={props.onGive}
        disabled={disabled}
        {...(describedBy === undefined ? {} : { describedBy })}
      />
    </section>
  );
}
