/**
 * @module serve/retrieval/synthetic
 * Seeded factor tables shaped like trained ones, for tests and benches: item vectors are a low-rank
 * mixture of cluster centres plus noise, scaled by log-normal norms (popular items have larger
 * norms in trained MF models), and queries are drawn the same way from the same low-rank space.
 */
import { Rng } from '../../util/rng.js';

/** Options of {@link syntheticFactors}. */
export interface SyntheticOptions {
  /** Rank of the shared subspace (default 16). */
  rank?: number;
  /** Number of clusters (default 50). */
  clusters?: number;
  /** Noise added to every coordinate, relative to the signal (default 0.3). */
  noise?: number;
  /** Standard deviation of log(norm) (default 0.5). */
  normSpread?: number;
}

/** `n` rows of `dim` floats (plus, for queries, the same generator with other cluster draws). */
export function syntheticFactors(
  n: number,
  dim: number,
  seed: number,
  options: SyntheticOptions = {},
): { items: Float32Array; queries: (m: number) => Float32Array } {
  const rank = options.rank ?? 16;
  const nc = options.clusters ?? 50;
  const noise = options.noise ?? 0.3;
  const spread = options.normSpread ?? 0.5;
  const rng = new Rng(seed);
  const basis = Float64Array.from({ length: rank * dim }, () => rng.normal() / Math.sqrt(rank));
  const centres = Float64Array.from({ length: nc * rank }, () => rng.normal());
  const draw = (m: number, r: Rng): Float32Array => {
    const out = new Float32Array(m * dim);
    const z = new Float64Array(rank);
    for (let i = 0; i < m; i++) {
      const c = r.int(nc);
      for (let j = 0; j < rank; j++) z[j] = centres[c * rank + j]! + 0.5 * r.normal();
      const scale = Math.exp(spread * r.normal());
      let n2 = 0;
      const row = out.subarray(i * dim, (i + 1) * dim);
      for (let d = 0; d < dim; d++) {
        let x = 0;
        for (let j = 0; j < rank; j++) x += z[j]! * basis[j * dim + d]!;
        x += (noise * r.normal()) / Math.sqrt(dim / rank);
        row[d] = x;
        n2 += x * x;
      }
      const f = scale / Math.sqrt(n2 || 1);
      for (let d = 0; d < dim; d++) row[d] = row[d]! * f;
    }
    return out;
  };
  const items = draw(n, rng);
  const qrng = rng.fork();
  return { items, queries: (m) => draw(m, qrng) };
}
