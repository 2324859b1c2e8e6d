/** Opaque page cursors: a keyset position as base64url JSON, checked on the way back in. */
import { refuse } from "./errors";

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

export function decodeCursor<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!isPosition(value)) refuse("invalid_request", "cursor is not one this API gave out");
  return value;
}
