/**
 * @module demo/random
 * Small sampling helpers for the demo generator, all driven by the project's seeded {@link Rng}:
 * gamma and log-normal draws, clamping, and weighted choice through cumulative sums.
 */
import type { Rng } from '../util/rng.js';

/** Gamma(shape, 1) draw (Marsaglia-Tsang; shapes below 1 use the boost trick). */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    const u = Math.max(rng.next(), 1e-12);
    return gamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Log-normal draw exp(mu + sigma * z). */
export function logNormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * rng.normal());
}

/** Uniform float in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** `x` limited to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Uniformly chosen element of a non-empty array. */
export function pick<T>(rng: Rng, arr: readonly T[]): T {
  return arr[rng.int(arr.length)] as T;
}

/** Running sums of non-negative weights, for {@link sampleCumulative}. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i] ?? 0;
    out[i] = acc;
  }
  return out;
}

/** Index drawn with probability proportional to its weight, given running sums of the weights. */
export function sampleCumulative(rng: Rng, cum: Float64Array): number {
  const total = cum[cum.length - 1] ?? 0;
  const r = rng.next() * total;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] ?? 0) > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
