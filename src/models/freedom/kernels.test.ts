import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { Arena } from '../../util/arena.js';
import { Rng } from '../../util/rng.js';
import { freedomKernels } from './kernels.js';
import { FREEDOM_KERNELS_WASM_BASE64 } from './kernels-wasm.js';

describe('kernels-wasm.ts', () => {
  it('is up to date with kernels.wat (regenerate: npm run build:wasm)', async () => {
    const wabt = await wabtInit();
    const source = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
    const mod = wabt.parseWat('kernels.wat', source, { simd: true, threads: true });
    const { buffer } = mod.toBinary({});
    mod.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(FREEDOM_KERNELS_WASM_BASE64);
  });
});

const close = (got: Float32Array, want: Float64Array | number[]) => {
  expect(got.length).toBe(want.length);
  for (let k = 0; k < got.length; k++) expect(got[k]!).toBeCloseTo(want[k]!, 4);
};

describe('FREEDOM kernels', () => {
  // pd 36: one 32-float block plus a 4-float block; pd 8: only narrow blocks. Odd counts and din.
  for (const pd of [8, 36, 64]) {
    it(`match plain loops (pd ${pd})`, () => {
      const rng = new Rng(pd);
      const nRows = 9;
      const n = 7; // pairs
      const din = 11;
      const xs = 12; // floats per X row (din padded)
      const count = 5; // distinct rows, odd
      const arena = new Arena(
        {
          U: { length: nRows * pd, type: 'f32' },
          V: { length: nRows * pd, type: 'f32' },
          gU: { length: nRows * pd, type: 'f32' },
          gV: { length: nRows * pd, type: 'f32' },
          ua: { length: n, type: 'i32' },
          ia: { length: n, type: 'i32' },
          ja: { length: n, type: 'i32' },
          out: { length: n, type: 'f32' },
          coef: { length: n, type: 'f32' },
          X: { length: nRows * xs, type: 'f32' },
          W: { length: din * pd, type: 'f32' },
          T: { length: count * pd, type: 'f32' },
          rows: { length: count, type: 'i32' },
          dW: { length: din * pd, type: 'f32' },
          dX: { length: nRows * xs, type: 'f32' },
        },
        'test',
      );
      const fill = (a: Float32Array) => {
        for (let k = 0; k < a.length; k++) a[k] = rng.next() * 2 - 1;
      };
      const [U, V, X, W, T, coef] = (['U', 'V', 'X', 'W', 'T', 'coef'] as const).map((t) => arena.f32(t));
      for (const a of [U!, V!, X!, W!, T!, coef!]) fill(a);
      const ua = arena.i32('ua').map(() => rng.int(nRows));
      arena.i32('ua').set(ua);
      const ia = Int32Array.of(0, 1, 2, 3, 1, 1, 8);
      const ja = Int32Array.of(4, 5, 6, 7, 0, 2, 3);
      arena.i32('ia').set(ia);
      arena.i32('ja').set(ja);
      const rows = Int32Array.of(3, 0, 8, 5, 3);
      arena.i32('rows').set(rows);
      const k = freedomKernels(arena.memory);
      const at = arena.at;

      k.pairDots(n, at.ua, at.ia, at.ja, at.U, at.V, at.out, pd);
      const dots = Array.from({ length: n }, (_, b) => {
        let s = 0;
        for (let j = 0; j < pd; j++)
          s += U![ua[b]! * pd + j]! * (V![ia[b]! * pd + j]! - V![ja[b]! * pd + j]!);
        return s;
      });
      close(arena.f32('out'), dots);

      k.pairGrads(n, at.ua, at.ia, at.ja, at.U, at.V, at.coef, at.gU, at.gV, pd);
      const gU = new Float64Array(nRows * pd);
      const gV = new Float64Array(nRows * pd);
      for (let b = 0; b < n; b++) {
        const c = coef![b]!;
        for (let j = 0; j < pd; j++) {
          gU[ua[b]! * pd + j]! += c * (V![ia[b]! * pd + j]! - V![ja[b]! * pd + j]!);
          gV[ia[b]! * pd + j]! += c * U![ua[b]! * pd + j]!;
          gV[ja[b]! * pd + j]! -= c * U![ua[b]! * pd + j]!;
        }
      }
      close(arena.f32('gU'), gU);
      close(arena.f32('gV'), gV);

      k.gemmRows(count, at.rows, at.X, 4 * xs, din, at.W, at.T, pd);
      const t = new Float64Array(count * pd);
      for (let q = 0; q < count; q++) {
        for (let c = 0; c < din; c++) {
          for (let j = 0; j < pd; j++) t[q * pd + j]! += X![rows[q]! * xs + c]! * W![c * pd + j]!;
        }
      }
      close(T!, t);

      fill(T!); // now dT
      k.gemmTN(count, at.rows, at.X, 4 * xs, din, at.T, at.dW, pd);
      const dW = new Float64Array(din * pd);
      for (let q = 0; q < count; q++) {
        for (let c = 0; c < din; c++) {
          for (let j = 0; j < pd; j++) dW[c * pd + j]! += X![rows[q]! * xs + c]! * T![q * pd + j]!;
        }
      }
      close(arena.f32('dW'), dW);

      // Row 3 appears twice: the later q overwrites, as dX rows of distinct items never repeat.
      k.gemmNT(count, at.rows, at.T, at.W, din, at.dX, 4 * xs, pd);
      const dX = new Float64Array(nRows * xs);
      for (let q = 0; q < count; q++) {
        for (let c = 0; c < din; c++) {
          let s = 0;
          for (let j = 0; j < pd; j++) s += T![q * pd + j]! * W![c * pd + j]!;
          dX[rows[q]! * xs + c] = s;
        }
      }
      close(arena.f32('dX'), dX);
    });
  }
});
