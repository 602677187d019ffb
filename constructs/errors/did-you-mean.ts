/**
 * The candidate closest to `input` by edit distance (case-insensitive), when
 * it is close enough to be a typo: at most 1 edit for short words, 2 for
 * longer ones. Used for "did you mean" fixes on unknown props and keys.
 */
export function closestMatch(input: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  // Callers pass what the user gave: from JavaScript, that may be anything.
  if (typeof input !== "string") return undefined;
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (typeof candidate !== "string") continue;
    const d = editDistance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = maxDistance ?? (needle.length <= 4 ? 1 : needle.length <= 12 ? 2 : 3);
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** "did you mean X?" or "" — for the end of a fix. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? "" : `did you mean "${match}"? `;
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}
