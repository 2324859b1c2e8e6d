/**
 * Work in proportion to a request, done in turns. One process serves every organisation, so a
 * long stretch of JavaScript (reading 600k member references took ≈ 230 ms in one go) holds every
 * other request, `/healthz` included. Such work is written once, as a generator that yields at
 * points where it may be interrupted, and run either at once (`runAtOnce`, for callers that hold
 * small input) or in turns of about TURN_MS, letting the event loop run between them (`runInTurns`).
 */

/** A computation of a `T` that yields wherever it may be paused. */
export type Stepwise<T> = Generator<void, T, void>;

/** The longest a turn runs before other requests get theirs. */
const TURN_MS = 10;

/** How many items a loop handles between two points where it may be paused. */
export const ITEMS_PER_STEP = 1024;

export function runAtOnce<T>(work: Stepwise<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done === true) return step.value;
  }
}

export async function runInTurns<T>(work: Stepwise<T>): Promise<T> {
  let turn = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done === true) return step.value;
    if (performance.now() - turn > TURN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
  }
}
