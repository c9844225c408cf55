import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { choleskySolve, type FoldInModel, foldInUser, gramian } from './foldin.js';
import { syntheticFactors } from './retrieval/synthetic.js';

function gaussianTable(n: number, dim: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal() * scale);
}

function model(itemFactors: Float32Array, dim: number): FoldInModel {
  return { dim, itemFactors, gram: gramian(itemFactors, dim) };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, bo = 0, dim = a.length): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[d]! * b[bo + d]!;
  return s;
}

/** Rank (0 = best) of `item` among all items by <u, v_i>. */
function rankOf(u: Float32Array, V: Float32Array, dim: number, item: number): number {
  const s = dot(u, V, item * dim, dim);
  let r = 0;
  for (let i = 0; i < V.length / dim; i++) if (dot(u, V, i * dim, dim) > s) r++;
  return r;
}

describe('gramian', () => {
  it('equals VᵀV computed entry by entry', () => {
    const dim = 7;
    const V = gaussianTable(50, dim, 1);
    const g = gramian(V, dim);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let s = 0;
        for (let i = 0; i < 50; i++) s += V[i * dim + a]! * V[i * dim + b]!;
        expect(g[a * dim + b]).toBeCloseTo(s, 4);
      }
    }
    expect(() => gramian(V.subarray(1), dim)).toThrow(InvalidArgumentError);
  });
});

describe('choleskySolve', () => {
  it('solves a known system and rejects an indefinite one', () => {
    // A = [[4, 2], [2, 3]], b = [2, 1]: x = [0.5, 0].
    expect(Array.from(choleskySolve(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1), 2))).toEqual([
      0.5, 0,
    ]);
    expect(() => choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2)).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('foldInUser', () => {
  const dim = 16;
  const n = 2000;
  const V = gaussianTable(n, dim, 2, 0.3);
  const m = model(V, dim);

  it('satisfies the stationarity condition of the full (non-Gramian) objective', () => {
    const rng = new Rng(3);
    const items = Int32Array.from({ length: 30 }, () => rng.int(n));
    items[1] = items[0]!; // a repeated item counts twice
    const weights = Float32Array.from({ length: 30 }, () => 0.5 + rng.next());
    const prior = Float32Array.from({ length: dim }, () => rng.normal());
    const opts = { alpha: 5, lambda: 0.3, priorWeight: 2, unobservedWeight: 0.7 };
    const u = foldInUser(m, items, weights, prior, opts);
    // Gradient / 2 of w0 Σ_all (uᵀv)² + Σ_S [(1+c)(1-uᵀv)² - (uᵀv)²] + λ|u|² + p|u-prior|², item by item.
    const grad = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const s = dot(u, V, i * dim, dim);
      for (let d = 0; d < dim; d++) grad[d] = grad[d]! + opts.unobservedWeight * s * V[i * dim + d]!;
    }
    for (let j = 0; j < items.length; j++) {
      const c = opts.alpha * weights[j]!;
      const o = items[j]! * dim;
      const s = dot(u, V, o, dim);
      for (let d = 0; d < dim; d++) grad[d] = grad[d]! + (-(1 + c) * (1 - s) - s) * V[o + d]!;
    }
    let gn = 0;
    let scale = 0;
    for (let d = 0; d < dim; d++) {
      grad[d] = grad[d]! + opts.lambda * u[d]! + opts.priorWeight * (u[d]! - prior[d]!);
      gn += grad[d]! ** 2;
      scale += (opts.priorWeight * prior[d]!) ** 2;
    }
    expect(Math.sqrt(gn / scale)).toBeLessThan(1e-5);
  });

  it('raises the rank of a newly liked item and of items like it', () => {
    const d = 32;
    const { items: W } = syntheticFactors(3000, d, 4, { normSpread: 0.2 });
    const mw = model(W, d);
    const rng = new Rng(6);
    const history = Int32Array.from({ length: 20 }, () => rng.int(3000));
    const before = foldInUser(mw, history);
    // The liked item: the one ranked 1500th, and its 10 nearest neighbours by cosine.
    const order = Array.from({ length: 3000 }, (_, i) => i).sort(
      (a, b) => dot(before, W, b * d, d) - dot(before, W, a * d, d),
    );
    const liked = order[1500]!;
    const lv = W.subarray(liked * d, (liked + 1) * d);
    const cos = (i: number) =>
      dot(lv, W, i * d, d) / Math.sqrt(dot(W.subarray(i * d, (i + 1) * d), W, i * d, d));
    const similar = order
      .filter((i) => i !== liked)
      .sort((a, b) => cos(b) - cos(a))
      .slice(0, 10);
    const after = foldInUser(mw, Int32Array.from([...history, liked]));
    const meanRank = (u: Float32Array) =>
      similar.reduce((s, i) => s + rankOf(u, W, d, i), 0) / similar.length;
    console.log(
      `liked item rank ${rankOf(before, W, d, liked)} -> ${rankOf(after, W, d, liked)}, ` +
        `its 10 nearest neighbours' mean rank ${meanRank(before).toFixed(0)} -> ${meanRank(after).toFixed(0)}`,
    );
    expect(rankOf(after, W, d, liked)).toBeLessThan(rankOf(before, W, d, liked) / 2);
    expect(meanRank(after)).toBeLessThan(0.9 * meanRank(before));
    // A stronger signal (weight 5, so c = 50) moves it further.
    const strong = foldInUser(
      mw,
      Int32Array.from([...history, liked]),
      Float32Array.from([...history, 5], (_, j) => (j === 20 ? 5 : 1)),
    );
    expect(rankOf(strong, W, d, liked)).toBeLessThan(rankOf(after, W, d, liked));
  });

  it('returns the prior under a huge prior weight', () => {
    const prior = Float32Array.from({ length: dim }, (_, d) => Math.sin(d + 1));
    const u = foldInUser(m, Int32Array.of(1, 2, 3), undefined, prior, { priorWeight: 1e7 });
    for (let d = 0; d < dim; d++) expect(u[d]).toBeCloseTo(prior[d]!, 3);
  });

  it('with an empty history returns the prior shrunk by the Gramian and ridge', () => {
    // Isotropic items: G ≈ (n σ²) I, so u ≈ p / (n σ² + λ + p) · prior.
    const prior = Float32Array.from({ length: dim }, (_, d) => Math.cos(3 * d));
    const p = 50;
    const u = foldInUser(m, new Int32Array(0), undefined, prior, { priorWeight: p });
    const g = n * 0.09;
    const expected = p / (g + 0.1 + p);
    const ratio = dot(u, prior) / dot(prior, prior);
    expect(ratio).toBeGreaterThan(0.93 * expected);
    expect(ratio).toBeLessThan(1.07 * expected);
    expect(dot(u, prior) / Math.sqrt(dot(u, u) * dot(prior, prior))).toBeGreaterThan(0.99);
    // Without a prior and without history the answer is zero.
    expect(Array.from(foldInUser(m, new Int32Array(0))).every((x) => x === 0)).toBe(true);
  });

  it('folds in 200 history items at dim 64 in well under 20 ms', () => {
    const d = 64;
    const W = gaussianTable(20000, d, 7, 0.1);
    const mw = model(W, d);
    const rng = new Rng(8);
    const history = Int32Array.from({ length: 200 }, () => rng.int(20000));
    const prior = Float32Array.from({ length: d }, () => rng.normal());
    for (let r = 0; r < 20; r++) foldInUser(mw, history, undefined, prior); // warm-up
    const times: number[] = [];
    for (let r = 0; r < 50; r++) {
      const t0 = performance.now();
      foldInUser(mw, history, undefined, prior);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[25]!;
    console.log(`fold-in dim 64, 200 items: median ${median.toFixed(3)} ms`);
    expect(median).toBeLessThan(20);
  });

  it('rejects bad input', () => {
    expect(() => foldInUser(m, Int32Array.of(n))).toThrow(InvalidArgumentError);
    expect(() => foldInUser(m, Int32Array.of(-1))).toThrow(InvalidArgumentError);
    expect(() => foldInUser(m, Int32Array.of(1, 2), Float32Array.of(1))).toThrow(InvalidArgumentError);
    expect(() => foldInUser(m, Int32Array.of(1), Float32Array.of(-1))).toThrow(InvalidArgumentError);
    expect(() => foldInUser(m, Int32Array.of(1), undefined, new Float32Array(3))).toThrow(
      InvalidArgumentError,
    );
    expect(() => foldInUser(m, Int32Array.of(1), undefined, undefined, { lambda: -1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => foldInUser({ ...m, gram: new Float32Array(4) }, Int32Array.of(1))).toThrow(
      InvalidArgumentError,
    );
    // No ridge, no prior, no Gramian and fewer items than dims: singular.
    expect(() =>
      foldInUser(m, Int32Array.of(1), undefined, undefined, { lambda: 0, unobservedWeight: 0 }),
    ).toThrow(InvalidArgumentError);
  });
});
