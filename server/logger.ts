/**
 * Structured JSON logs on stdout (pino: fast, and what log pipelines expect). Errors are logged by
 * one serializer that keeps what diagnoses them (type, message, code, stack frames, cause) and
 * nothing else: database errors carry the statement's bound values (`bindings`, PostgreSQL's
 * `detail`), which are names, addresses and organisation ids, and SQL text that a long filter makes
 * hundreds of kilobytes long.
 */
import pino from "pino";

export type AppLogger = pino.Logger;

/** Longest message kept whole; a longer one keeps its start and its end (the driver's words). */
const MAX_MESSAGE_CHARS = 600;
const MAX_STACK_FRAMES = 15;
const MAX_CAUSE_DEPTH = 3;
const MAX_AGGREGATED = 5;

function field(value: object, key: string): unknown {
  return key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function shorten(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const head = text.slice(0, MAX_MESSAGE_CHARS / 2);
  const tail = text.slice(-MAX_MESSAGE_CHARS / 4);
  return `${head} …[${text.length - head.length - tail.length} characters left out]… ${tail}`;
}

export interface SerializedError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: SerializedError;
  errors?: SerializedError[];
}

/**
 * An error as a log line may show it. The stack is rebuilt from its frames: its first line repeats
 * the message as it was when the error was made, before knex prefixed the SQL to it.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (typeof err !== "object" || err === null) return { type: typeof err, message: shorten(String(err)) };
  const typeField = field(err, "type");
  const nameField = field(err, "name");
  const type = typeof typeField === "string" ? typeField : typeof nameField === "string" ? nameField : "Error";
  const rawMessage = field(err, "message");
  const message = shorten(typeof rawMessage === "string" ? rawMessage : "");
  const out: SerializedError = { type, message };
  const code = field(err, "code");
  if (typeof code === "string" || typeof code === "number") out.code = typeof code === "string" ? code.slice(0, 100) : code;
  const stack = field(err, "stack");
  if (typeof stack === "string") {
    const frames = stack.split("\n").filter((line) => /^\s+at /.test(line)).slice(0, MAX_STACK_FRAMES);
    out.stack = [`${type}: ${message}`, ...frames.map((line) => line.slice(0, 300))].join("\n");
  }
  if (depth < MAX_CAUSE_DEPTH) {
    const cause = field(err, "cause");
    if (cause !== undefined && cause !== null) out.cause = serializeError(cause, depth + 1);
    const errors = field(err, "errors");
    if (Array.isArray(errors)) out.errors = errors.slice(0, MAX_AGGREGATED).map((inner: unknown) => serializeError(inner, depth + 1));
  }
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): AppLogger {
  const options: pino.LoggerOptions = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export function silentLogger(): AppLogger {
  return pino({ level: "silent" });
}
