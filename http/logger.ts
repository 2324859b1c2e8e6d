/**
 * What every layer that logs needs of the logger: pino's three levels it uses, with an object of
 * fields first. server/logger.ts builds the real one; tests pass a silent or a recording one.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
