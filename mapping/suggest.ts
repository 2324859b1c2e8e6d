/** "Did you mean" for near-miss keys, areas, levels and role names. */

const MAX_FUZZY_LENGTH = 64;

/** Optimal-string-alignment distance: like Levenshtein, but a swapped pair (`veiw`) costs 1. */
function editDistance(a: string, b: string): number {
  // Three rows of the dynamic programme (i-2, i-1, i) suffice for the transposition step.
  let before = new Uint32Array(b.length + 1);
  let previous = Uint32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest candidate, if it is close enough to be a typo: a case or separator difference
 * (`Billing`, `identity-access`), or an edit distance within a third of the word.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | null {
  const folded = fold(input);
  const exactFold = candidates.find((candidate) => fold(candidate) === folded);
  if (exactFold !== undefined) return exactFold;
  // The edit distance costs the product of the lengths: names longer than any real typo's are
  // compared by folding alone, and a candidate whose length alone rules it out is skipped.
  if (folded.length > MAX_FUZZY_LENGTH) return null;
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const other = fold(candidate);
    if (other.length > MAX_FUZZY_LENGTH || Math.abs(other.length - folded.length) > Math.max(1, Math.floor(Math.max(folded.length, other.length) / 3))) continue;
    const distance = editDistance(folded, other);
    if (best === null || distance < best.distance) best = { candidate, distance };
  }
  if (best === null) return null;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : null;
}

/** A sentence to append to a message, or "" when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates);
  return match === null ? "" : ` Did you mean '${match}'?`;
}

function fold(value: string): string {
  return value.toLowerCase().replace(/[-\s]/g, "_");
}
