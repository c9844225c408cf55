import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { Graph } from './graph.js';
import { Param, Tensor } from './tensor.js';

function param(name: string, rows: number, cols: number, rng: Rng, scale = 1): Param {
  return new Param(
    name,
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => (rng.next() * 2 - 1) * scale),
  );
}

/**
 * Checks analytic gradients against central finite differences of loss = Σ r ⊙ f(params)
 * (r fixed random weights), for every entry of every parameter.
 */
function gradCheck(params: Param[], f: (g: Graph) => Tensor, seed = 1, tol = 2e-2): void {
  const rng = new Rng(seed);
  let weights: Float32Array | undefined;
  const loss = (train: boolean): { value: number; g: Graph; out: Tensor } => {
    const g = new Graph({ train });
    const out = f(g);
    if (!weights) weights = Float32Array.from({ length: out.size }, () => rng.next() * 2 - 1);
    let v = 0;
    if (out.size === 1) v = out.data[0]!;
    else for (let i = 0; i < out.size; i++) v += weights[i]! * out.data[i]!;
    return { value: v, g, out };
  };
  for (const p of params) p.zeroGrad();
  const { g, out } = loss(true);
  const scalar = out.size === 1 ? out : g.sum(g.mul(out, Tensor.constant(out.rows, out.cols, weights!)));
  g.backward(scalar);
  for (const p of params) {
    const analytic = Float32Array.from(p.grad ?? new Float32Array(p.size));
    for (let i = 0; i < p.size; i++) {
      const h = 1e-2 * Math.max(1, Math.abs(p.data[i]!));
      const keep = p.data[i]!;
      p.data[i] = keep + h;
      const up = loss(false).value;
      p.data[i] = keep - h;
      const down = loss(false).value;
      p.data[i] = keep;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(numeric - analytic[i]!) / Math.max(1, Math.abs(numeric));
      if (err > tol) throw new Error(`${p.name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  }
}

describe('Graph gradients match finite differences', () => {
  const rng = new Rng(3);
  it('matmul + bias + gelu + tanh + relu', () => {
    const x = param('x', 5, 6, rng);
    const w = param('w', 6, 4, rng);
    const b = param('b', 1, 4, rng);
    gradCheck([x, w, b], (g) => g.add(g.gelu(g.addBias(g.matmul(x, w), b)), g.tanh(g.matmul(x, w))));
    // relu away from its kink
    const r = new Param('r', 2, 3, Float32Array.from([0.5, -0.7, 0.9, -0.4, 0.3, -1.2]));
    gradCheck([r], (g) => g.relu(r));
  });
  it('a large matmul (WebAssembly path) with both operands trained', () => {
    const x = param('x', 40, 30, rng, 0.3);
    const w = param('w', 30, 20, rng, 0.3);
    gradCheck([w], (g) => g.matmul(x, w));
    gradCheck([x], (g) => g.matmul(x, w));
    // wide inputs, narrow output: the weight gradient is taken as (gyᵀ·x)ᵀ
    const wide = param('wide', 200, 120, rng, 0.3);
    const narrow = param('narrow', 120, 4, rng, 0.3);
    gradCheck([narrow], (g) => g.matmul(wide, narrow));
  });
  it('layerNorm', () => {
    const x = param('x', 4, 8, rng);
    const gm = param('gamma', 1, 8, rng);
    const bt = param('beta', 1, 8, rng);
    gradCheck([x, gm, bt], (g) => g.layerNorm(x, gm, bt));
  });
  it('gather scatters into the table', () => {
    const t = param('table', 6, 3, rng);
    gradCheck([t], (g) => g.gather(t, Int32Array.from([1, 4, 1, 0])));
  });
  it('group softmax with a mask, weighted token sum, stack/token/concat', () => {
    const T = 3;
    const a = param('a', 4, 5, rng);
    const b = param('b', 4, 5, rng);
    const c = param('c', 4, 5, rng);
    const q = param('q', 5, 1, rng);
    const mask = Uint8Array.from([1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1]);
    gradCheck([a, b, c, q], (g) => {
      const tokens = g.stackTokens([a, b, c]);
      const w = g.groupSoftmax(g.matmul(g.tanh(tokens), q), T, mask);
      return g.concatCols([g.weightedTokenSum(tokens, w, T), g.token(tokens, T, 1)]);
    });
  });
  it('multi-head attention with masked keys', () => {
    const T = 4;
    const q = param('q', 8, 6, rng);
    const k = param('k', 8, 6, rng);
    const v = param('v', 8, 6, rng);
    const mask = Uint8Array.from([1, 1, 0, 1, 1, 0, 1, 1]);
    gradCheck([q, k, v], (g) => g.attention(q, k, v, T, 2, mask));
  });
  it('concatRows and graph propagation', () => {
    const a = param('a', 2, 3, rng);
    const b = param('b', 3, 3, rng);
    // a 5-node symmetric adjacency
    const adj = {
      nRows: 5,
      nCols: 5,
      indptr: Int32Array.from([0, 2, 3, 5, 7, 8]),
      indices: Int32Array.from([2, 3, 2, 0, 1, 0, 4, 3]),
      values: Float32Array.from([0.5, 0.4, 0.7, 0.5, 0.7, 0.4, 0.3, 0.3]),
    };
    gradCheck([a, b], (g) => g.propagate(g.concatRows(a, b), adj, 2));
  });
  it('mulRows, rowDot, l2NormalizeRows', () => {
    const x = param('x', 4, 3, rng);
    const s = param('s', 4, 1, rng);
    const y = param('y', 4, 3, rng);
    gradCheck([x, s, y], (g) => g.add(g.mulRows(g.l2NormalizeRows(x), g.rowDot(x, y)), y));
  });
  it('BPR, BCE, MSE, InfoNCE and L2 losses', () => {
    const p = param('pos', 6, 1, rng);
    const n = param('neg', 6, 1, rng);
    const a = param('a', 5, 4, rng);
    const b = param('b', 5, 4, rng);
    const labels = Float32Array.from([1, 0, 1, 1, 0, 0]);
    const valid = Uint8Array.from([1, 1, 0, 1, 1]);
    gradCheck([p, n, a, b], (g) =>
      g.weightedSum([
        [g.bprLoss(p, n), 1],
        [g.bceLoss(p, labels), 0.5],
        [g.mseLoss(n, labels), 0.3],
        [g.infoNce(g.l2NormalizeRows(a), g.l2NormalizeRows(b), 0.2, valid), 0.7],
        [g.sumSquares([a, p], 4), 0.1],
        [g.frobenius([a, n], 3), 0.2],
      ]),
    );
  });
  it('dropout is the identity when not training and keeps expectation when training', () => {
    const x = Tensor.constant(1, 10000, new Float32Array(10000).fill(1));
    const g0 = new Graph({ train: false });
    expect(g0.dropout(x, 0.5, new Rng(1))).toBe(x);
    const g1 = new Graph({ train: true });
    const y = g1.dropout(new Tensor(1, 10000, x.data, true), 0.3, new Rng(1));
    const mean = y.data.reduce((s, v) => s + v, 0) / y.size;
    expect(mean).toBeGreaterThan(0.95);
    expect(mean).toBeLessThan(1.05);
    expect(y.data.filter((v) => v === 0).length).toBeGreaterThan(2500);
  });
  it('weighted BPR: gradient by finite differences, and equal weights give the plain mean', () => {
    const pos = param('pos', 5, 1, rng);
    const neg = param('neg', 5, 1, rng);
    const w = Float32Array.from([0.2, 1, 3, 0.5, 1.5]);
    gradCheck([pos, neg], (g) => g.bprLoss(pos, neg, w));
    const g = new Graph({ train: false });
    expect(g.bprLoss(pos, neg, new Float32Array(5).fill(7)).data[0]).toBeCloseTo(
      g.bprLoss(pos, neg).data[0]!,
      6,
    );
    // by hand: Σ w·softplus(neg − pos) / Σ w
    let s = 0;
    for (let r = 0; r < 5; r++) s += w[r]! * Math.log1p(Math.exp(neg.data[r]! - pos.data[r]!));
    expect(g.bprLoss(pos, neg, w).data[0]).toBeCloseTo(s / 6.2, 5);
  });
  it('scale', () => {
    const x = param('x', 3, 4, rng);
    gradCheck([x], (g) => g.scale(g.tanh(x), -2.5));
  });
  it('dropout passes the gradient through kept entries only, scaled by 1/(1-p)', () => {
    // Finite differences cannot see a random mask; with the mask fixed by the seed, the gradient
    // of Σ dropout(x) is 1/(1-p) where the output kept x and 0 where it dropped it.
    const x = new Param(
      'x',
      4,
      5,
      Float32Array.from({ length: 20 }, (_, i) => 1 + i),
    );
    const g = new Graph({ train: true });
    const y = g.dropout(x, 0.4, new Rng(9));
    g.backward(g.sum(y));
    for (let i = 0; i < 20; i++) {
      const kept = y.data[i] !== 0;
      expect(y.data[i]).toBeCloseTo(kept ? x.data[i]! / 0.6 : 0, 5);
      expect(x.grad![i]).toBeCloseTo(kept ? 1 / 0.6 : 0, 6);
    }
  });
});

describe('every op of Graph has a gradient test', () => {
  it('names each op of the class in a test above', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL(import.meta.url), 'utf8');
    const ops = Object.getOwnPropertyNames(Graph.prototype).filter((n) => n !== 'constructor');
    expect(ops.length).toBeGreaterThan(25);
    const untested = ops.filter((op) => !text.includes(`g.${op}(`));
    expect(untested).toEqual([]);
  });
});
