/**
 * Compiles a storage-level filter to a SQL boolean expression for SQLite or PostgreSQL.
 * The protocol layer resolves SCIM attribute paths against the schemas first (scim/filter/storage.ts);
 * this module only knows columns, JSON paths inside `data`, and the membership table.
 * Comparisons are emitted bare (`user_name_ci = ?`) so that indexes serve them; an absent attribute
 * makes a comparison NULL, which WHERE treats as false. Negations (`not`, `ne`) use `IS NOT TRUE`,
 * so that "not equal" holds for an absent attribute instead of vanishing into NULL.
 */
import type { Dialect } from "./connection";

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type Scalar = string | number | boolean | null;
export type ValueType = "string" | "boolean" | "number" | "dateTime";

export type SqlTarget =
  /** A column of the resource's own table. `lowered`: the column holds lower-cased text. */
  | { readonly kind: "column"; readonly column: string; readonly type: ValueType; readonly lowered?: boolean }
  /** A scalar inside the resource's JSON `data`. */
  | { readonly kind: "json"; readonly path: readonly string[]; readonly type: ValueType }
  /** A scalar inside the array element being tested by an enclosing `any` ([] = the element itself). */
  | { readonly kind: "element"; readonly path: readonly string[]; readonly type: ValueType };

export type StorageFilter =
  | { readonly kind: "compare"; readonly target: SqlTarget; readonly op: CompareOp; readonly value: Scalar; readonly caseExact: boolean }
  | { readonly kind: "present"; readonly target: SqlTarget; readonly container?: boolean }
  | { readonly kind: "and" | "or"; readonly left: StorageFilter; readonly right: StorageFilter }
  | { readonly kind: "not"; readonly expr: StorageFilter }
  /** True when some element of the JSON array at `array` satisfies `filter`. */
  | { readonly kind: "any"; readonly array: readonly string[]; readonly filter: StorageFilter }
  /** Membership: a User's groups (`groups.value`) or a Group's members (`members.value`). */
  | { readonly kind: "related"; readonly relation: "groupsOfUser" | "membersOfGroup"; readonly op: CompareOp | "pr"; readonly value: Scalar }
  | { readonly kind: "constant"; readonly value: boolean };

export interface CompiledSql {
  readonly sql: string;
  readonly bindings: unknown[];
}

export function compileFilter(dialect: Dialect, table: string, filter: StorageFilter): CompiledSql {
  const bindings: unknown[] = [];
  const sql = new Compiler(dialect, table, bindings).node(filter, "e0", 0);
  return { sql, bindings };
}

/** An ORDER BY expression for a sortable target. */
export function compileSortExpression(dialect: Dialect, table: string, target: SqlTarget): CompiledSql {
  const bindings: unknown[] = [];
  const sql = new Compiler(dialect, table, bindings).scalar(target, "e0");
  return { sql, bindings };
}

class Compiler {
  constructor(
    private readonly dialect: Dialect,
    private readonly table: string,
    private readonly bindings: unknown[],
  ) {}

  private bind(value: unknown): string {
    this.bindings.push(value);
    return "?";
  }

  private get falseSql(): string {
    return this.dialect === "pg" ? "FALSE" : "0";
  }

  private get trueSql(): string {
    return this.dialect === "pg" ? "TRUE" : "1";
  }

  node(filter: StorageFilter, element: string, depth: number): string {
    switch (filter.kind) {
      case "constant":
        return filter.value ? `(1 = 1)` : `(1 = 0)`;
      case "and":
        return `(${this.node(filter.left, element, depth)} AND ${this.node(filter.right, element, depth)})`;
      case "or":
        return `(${this.node(filter.left, element, depth)} OR ${this.node(filter.right, element, depth)})`;
      case "not":
        return `(${this.node(filter.expr, element, depth)} IS NOT TRUE)`;
      case "present":
        return this.present(filter.target, element, filter.container === true);
      case "compare":
        return this.compare(filter.target, filter.op, filter.value, filter.caseExact, element);
      case "any":
        return this.any(filter.array, filter.filter, depth + 1);
      case "related":
        return this.related(filter.relation, filter.op, filter.value);
    }
  }

  /** The SQL text of a scalar; NULL when absent. */
  scalar(target: SqlTarget, element: string): string {
    switch (target.kind) {
      case "column":
        return `${this.table}.${target.column}`;
      case "json":
        return this.dialect === "pg"
          ? `(${this.table}.data #>> ${pgPath(target.path)})`
          : `json_extract(${this.table}.data, ${sqlitePath(target.path)})`;
      case "element":
        if (target.path.length === 0) {
          return this.dialect === "pg" ? `(${element}.v #>> '{}')` : `${element}.value`;
        }
        return this.dialect === "pg"
          ? `(${element}.v #>> ${pgPath(target.path)})`
          : `json_extract(${element}.value, ${sqlitePath(target.path)})`;
    }
  }

  private present(target: SqlTarget, element: string, container: boolean): string {
    if (container && target.kind === "json") {
      // A complex or multi-valued attribute is present when it holds something.
      if (this.dialect === "pg") {
        const path = pgPath(target.path);
        const path2 = path;
        return `(COALESCE(jsonb_typeof(${this.table}.data #> ${path}::text[]) NOT IN ('null') AND (${this.table}.data #> ${path2}::text[]) NOT IN ('[]'::jsonb, '{}'::jsonb, '""'::jsonb), FALSE))`;
      }
      const path = sqlitePath(target.path);
      const path2 = path;
      return `(COALESCE(json_type(${this.table}.data, ${path}) NOT IN ('null') AND json_extract(${this.table}.data, ${path2}) NOT IN ('[]', '{}', ''), 0))`;
    }
    const expr = this.scalar(target, element);
    if (target.type === "string" || target.type === "dateTime") return `(COALESCE(${expr} <> '', ${this.falseSql}))`;
    return `(${expr} IS NOT NULL)`;
  }

  private compare(target: SqlTarget, op: CompareOp, value: Scalar, caseExact: boolean, element: string): string {
    if (value === null) {
      // `attr eq null` asks for absence; `ne null` for presence (RFC 7644 §3.4.2.2 leaves null loosely defined).
      if (op === "eq") return `(NOT ${this.present(target, element, false)})`;
      if (op === "ne") return this.present(target, element, false);
      return `(1 = 0)`;
    }
    if (target.type === "boolean") return this.compareBoolean(target, op, value, element);
    if (target.type === "number") return this.compareNumber(target, op, value, element);
    return this.compareString(target, op, String(value), caseExact, element);
  }

  private compareBoolean(target: SqlTarget, op: CompareOp, value: Scalar, element: string): string {
    const wanted = value === true || (typeof value === "string" && value.toLowerCase() === "true");
    if (op !== "eq" && op !== "ne") return `(1 = 0)`;
    const expr = this.scalar(target, element);
    let test: string;
    if (target.kind === "column") {
      test = `${expr} = ${wanted ? this.trueSql : this.falseSql}`;
    } else if (this.dialect === "pg") {
      test = `${expr} = '${wanted ? "true" : "false"}'`;
    } else {
      test = `${expr} = ${wanted ? 1 : 0}`;
    }
    return op === "eq" ? `(${test})` : `((${test}) IS NOT TRUE)`;
  }

  private compareNumber(target: SqlTarget, op: CompareOp, value: Scalar, element: string): string {
    const n = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(n)) return `(1 = 0)`;
    const raw = this.scalar(target, element);
    const expr = this.dialect === "pg" && target.kind !== "column" ? `(CASE WHEN ${raw} ~ '^-?[0-9.eE+-]+$' THEN (${raw})::numeric END)` : raw;
    const sqlOp = SQL_ORDER_OPS[op];
    if (sqlOp === undefined) return `(1 = 0)`;
    const test = `${expr} ${sqlOp} ${this.bind(n)}`;
    return op === "ne" ? `((${test}) IS NOT TRUE)` : `(${test})`;
  }

  private compareString(target: SqlTarget, op: CompareOp, value: string, caseExact: boolean, element: string): string {
    const lowered = target.kind === "column" && target.lowered === true;
    const fold = !caseExact && !lowered;
    const raw = this.scalar(target, element);
    const expr = fold ? `lower(${raw})` : raw;
    const v = !caseExact || lowered ? value.toLowerCase() : value;
    const collate = this.dialect === "pg" ? ` COLLATE "C"` : "";
    let test: string;
    switch (op) {
      case "eq":
      case "ne":
        test = `${expr} = ${this.bind(v)}`;
        break;
      case "co":
        test = this.dialect === "pg" ? `strpos(${expr}, ${this.bind(v)}) > 0` : `instr(${expr}, ${this.bind(v)}) > 0`;
        break;
      case "sw":
        test = `substr(${expr}, 1, ${this.bind(v.length)}) = ${this.bind(v)}`;
        break;
      case "ew":
        if (v.length === 0) {
          test = `${expr} IS NOT NULL`;
          break;
        }
        test = this.dialect === "pg"
          ? `right(${expr}, ${this.bind(v.length)}) = ${this.bind(v)}`
          : `(length(${expr}) >= ${this.bind(v.length)} AND substr(${expr}, -${this.bind(v.length)}) = ${this.bind(v)})`;
        break;
      default:
        test = `${expr}${collate} ${SQL_ORDER_OPS[op] ?? "="} ${this.bind(v)}${collate}`;
    }
    return op === "ne" ? `((${test}) IS NOT TRUE)` : `(${test})`;
  }

  private any(array: readonly string[], filter: StorageFilter, depth: number): string {
    const alias = `e${depth}`;
    if (this.dialect === "pg") {
      const p1 = pgPath(array);
      const p2 = p1;
      const source = `jsonb_array_elements(CASE WHEN jsonb_typeof(${this.table}.data #> ${p1}::text[]) = 'array' THEN ${this.table}.data #> ${p2}::text[] ELSE '[]'::jsonb END) AS ${alias}(v)`;
      return `(EXISTS (SELECT 1 FROM ${source} WHERE ${this.node(filter, alias, depth)}))`;
    }
    const p1 = sqlitePath(array);
    const p2 = p1;
    return `(json_type(${this.table}.data, ${p1}) = 'array' AND EXISTS (SELECT 1 FROM json_each(${this.table}.data, ${p2}) AS ${alias} WHERE ${this.node(filter, alias, depth)}))`;
  }

  private related(relation: "groupsOfUser" | "membersOfGroup", op: CompareOp | "pr", value: Scalar): string {
    const [mine, theirs] = relation === "groupsOfUser" ? ["member_id", "group_id"] : ["group_id", "member_id"];
    // A user's groups as SCIM sees them: never a manual group (db/groups.ts SCIM_VISIBLE).
    const base = relation === "groupsOfUser"
      ? `SELECT 1 FROM group_members gm JOIN groups vg ON vg.id = gm.group_id AND vg.source = 'scim' WHERE gm.${mine} = ${this.table}.id`
      : `SELECT 1 FROM group_members gm WHERE gm.${mine} = ${this.table}.id`;
    if (op === "pr") return `(EXISTS (${base}))`;
    if (op === "eq") return `(EXISTS (${base} AND gm.${theirs} = ${this.bind(String(value))}))`;
    if (op === "ne") return `(NOT EXISTS (${base} AND gm.${theirs} = ${this.bind(String(value))}))`;
    return `(1 = 0)`;
  }
}

const SQL_ORDER_OPS: Partial<Record<CompareOp, string>> = { eq: "=", ne: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };

/**
 * JSON paths are inlined as SQL literals rather than bound, so that an expression can appear
 * twice in a statement without its bindings getting out of order. Keys come from the schema
 * (canonical attribute names), never from raw client text, and are quoted anyway.
 */
function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `'$."name"."familyName"'`: keys quoted, since schema URNs contain `:` and `.`. */
function sqlitePath(path: readonly string[]): string {
  return sqlLiteral("$" + path.map((key) => (/^\d+$/.test(key) ? `[${key}]` : `."${key.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)).join(""));
}

function pgPath(path: readonly string[]): string {
  return `ARRAY[${path.map(sqlLiteral).join(", ")}]::text[]`;
}
