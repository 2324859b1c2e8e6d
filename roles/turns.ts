/**
 * Work over every member of an organisation (a plan, a recompute) runs on the event loop that
 * serves every organisation: it checks the clock every few members and, once it has run for a
 * slice, lets other requests be answered before it goes on.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Work between two turns of the event loop. */
export const SLICE_MS = 10;

export interface Turns {
  /** Awaits a turn of the event loop when the current slice is used up; resolves at once otherwise. */
  maybeYield(): Promise<void> | undefined;
  /** Always lets the event loop turn (before a final step that cannot be sliced). */
  yield(): Promise<void>;
}

export function turns(sliceMs = SLICE_MS): Turns {
  let sliceStarted = performance.now();
  const turn = async (): Promise<void> => {
    await nextTurn();
    sliceStarted = performance.now();
  };
  return {
    maybeYield: () => (performance.now() - sliceStarted >= sliceMs ? turn() : undefined),
    yield: turn,
  };
}
