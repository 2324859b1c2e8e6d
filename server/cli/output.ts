/** How the CLI prints: values scripts read on stdout, notes on stderr, aligned tables for people. */
import { readFileSync } from "node:fs";
import type { MappingIssue } from "../../mapping";
import { CliError } from "./context";

export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
export const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** Rows as aligned columns under a header; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[], empty: string): void {
  if (rows.length === 0) {
    err(empty);
    return;
  }
  table(headers, rows).forEach(out);
}

export function formatIssue(issue: MappingIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.code}: ${issue.message}`;
}

/** Each distinct warning once, in the order first given. */
export function distinct(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A JSON file an option names (a JWKS), with the option in the error. */
export function readJson(option: string, file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${option} ${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
