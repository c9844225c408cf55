/**
 * @module web/stats
 * Wilson score interval for a proportion (the A/B page's per-arm CTR bands over time).
 */

/** 95% (z = 1.96) Wilson interval of `k` successes in `n` trials; [0, 0] when n = 0. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n <= 0) return [0, 0];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
