/** "Did you mean" for near-miss keys, areas, levels and role names. */

/** Optimal-string-alignment distance: like Levenshtein, but a swapped pair (`veiw`) costs 1. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = rows[i];
      if (row !== undefined) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The closest candidate, if it is close enough to be a typo: a case or separator difference
 * (`Billing`, `identity-access`), or an edit distance within a third of the word.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | null {
  const folded = fold(input);
  const exactFold = candidates.find((candidate) => fold(candidate) === folded);
  if (exactFold !== undefined) return exactFold;
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
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
