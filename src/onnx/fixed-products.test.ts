import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { fixedProducts } from './fixed-products.js';

const rand = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** out = X[rows] Wᵀ and Gt X[rows] in float64, straight from the definitions. */
function reference(X: Float32Array, F: number, W: Float32Array, Gt: Float32Array, d: number, rows: number[]) {
  const c = rows.length;
  const proj = new Float64Array(c * d);
  const grad = new Float64Array(d * F);
  rows.forEach((r, s) => {
    for (let k = 0; k < d; k++) {
      let v = 0;
      for (let f = 0; f < F; f++) v += X[r * F + f]! * W[k * F + f]!;
      proj[s * d + k] = v;
      for (let f = 0; f < F; f++) grad[k * F + f]! += Gt[k * c + s]! * X[r * F + f]!;
    }
  });
  return { proj, grad };
}

describe.each(['onnx', 'wasm'] as const)('fixedProducts (%s)', (backend) => {
  for (const [n, F, d] of [
    [3, 5, 2],
    [37, 130, 12],
    [300, 96, 64],
  ] as const) {
    it(`projects and differentiates over all rows and over a row subset (n=${n}, F=${F}, d=${d})`, async () => {
      const rng = new Rng(n * 7 + F);
      const X = rand(rng, n * F);
      const W = rand(rng, d * F);
      const p = await fixedProducts(X, n, F, d, { backend });
      expect(p.backend).toBe(backend);
      for (const rows of [
        undefined,
        Int32Array.from({ length: Math.max(1, n >> 1) }, (_, s) => (s * 5 + 1) % n),
      ]) {
        const list = rows ? Array.from(rows) : Array.from({ length: n }, (_, i) => i);
        const c = list.length;
        const Gt = rand(rng, d * c);
        const ref = reference(X, F, W, Gt, d, list);
        const proj = new Float32Array(c * d);
        const grad = new Float32Array(d * F).fill(9);
        await p.project(W, proj, rows);
        await p.gradient(Gt, grad, rows);
        const tol = 1e-4 * Math.sqrt(F) * 10;
        for (let k = 0; k < proj.length; k++) expect(Math.abs(proj[k]! - ref.proj[k]!)).toBeLessThan(tol);
        for (let k = 0; k < grad.length; k++) expect(Math.abs(grad[k]! - ref.grad[k]!)).toBeLessThan(tol * 4);
      }
      await p.release();
    });
  }

  it('uses only the first `count` rows of a longer row list', async () => {
    const rng = new Rng(3);
    const X = rand(rng, 10 * 4);
    const W = rand(rng, 2 * 4);
    const p = await fixedProducts(X, 10, 4, 2, { backend });
    const rows = Int32Array.of(4, 1, 7, 7, 7);
    const short = new Float32Array(2 * 2);
    await p.project(W, short, rows, 2);
    const full = new Float32Array(5 * 2);
    await p.project(W, full, rows);
    expect(Array.from(short)).toEqual(Array.from(full.subarray(0, 4)));
    await expect(p.project(W, full, rows, 6)).rejects.toThrow(/count 6 exceeds rows \(5\)/);
    await p.release();
  });
});

describe('fixedProducts', () => {
  it('rejects a feature matrix of the wrong size', async () => {
    await expect(fixedProducts(new Float32Array(11), 3, 4, 2)).rejects.toThrow(
      /X has 11 values, expected n·F = 3·4/,
    );
  });

  it("chooses onnx under 'auto' when onnxruntime-node loads (it is a dependency)", async () => {
    const p = await fixedProducts(new Float32Array(12), 3, 4, 2);
    expect(p.backend).toBe('onnx');
    await p.release();
  });
});
