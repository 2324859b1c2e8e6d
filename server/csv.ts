/**
 * CSV downloads (RFC 4180): fields separated by commas, records by CRLF, a field holding a comma,
 * a double quote, CR or LF enclosed in double quotes with its quotes doubled. A text cell that a
 * spreadsheet would run as a formula — one beginning with `=`, `+`, `-` or `@`, or with a tab or CR,
 * which some spreadsheets strip before looking — is prefixed with `'`, as OWASP's "CSV Injection"
 * advice says, so a display name like `=HYPERLINK(…)` stays text. Numbers are written as numbers.
 */
import type { Request, Response } from "express";

export type CsvValue = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) lines.push(row.map(csvCell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** Whether the request asks for CSV: `?format=csv`, or an Accept header preferring text/csv to JSON. */
export function wantsCsv(req: Request): boolean {
  if (req.query.format === "csv") return true;
  if (req.query.format !== undefined && req.query.format !== "json") return false;
  return req.get("accept") !== undefined && req.accepts(["application/json", "text/csv"]) === "text/csv";
}

/** Answers a CSV download named `filename` (RFC 4180 §3: text/csv, with the header line present). */
export function sendCsv(res: Response, filename: string, csv: string): void {
  res.setHeader("Content-Type", "text/csv; charset=utf-8; header=present");
  res.setHeader("Content-Disposition", `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`);
  res.send(csv);
}
