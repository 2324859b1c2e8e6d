/** Structured JSON logs on stdout (pino: fast, and what log pipelines expect). */
import pino from "pino";

export type AppLogger = pino.Logger;

export function createLogger(level: string): AppLogger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

export function silentLogger(): AppLogger {
  return pino({ level: "silent" });
}
