/** JSON columns: jsonb on PostgreSQL (the driver parses them), text on SQLite. */
export function readJson<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}

export function readBoolean(value: boolean | number | string): boolean {
  return value === true || value === 1 || value === "1" || value === "t";
}

export function nowIso(): string {
  return new Date().toISOString();
}
