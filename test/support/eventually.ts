/** How long to keep trying (10 s unless given), and how long to wait between tries (10 ms). */
export interface EventuallyOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Waiting for a condition, not for time: `check` (an assertion, or any function that throws until
 * the outcome is there) is run again every `intervalMs` until it returns, and its value is
 * returned; once `timeoutMs` has passed its last error is thrown, so a failure reads as the
 * assertion that never came true.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = 10 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (performance.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `eventually` for a value: reads until `done` holds of it and returns it; past the deadline, fails naming `what` and the last value read. */
export function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, options: EventuallyOptions = {}): Promise<T> {
  return eventually(async () => {
    const value = await read();
    if (!done(value)) throw new Error(`${what} did not happen within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms; last seen: ${JSON.stringify(value)}`);
    return value;
  }, options);
}
