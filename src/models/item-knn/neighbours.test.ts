import { describe, expect, it } from 'vitest';
import { makeModality } from '../../modalities/modality.js';
import { Rng } from '../../util/rng.js';
import { contentNeighbours } from './neighbours.js';
import { RowTopK } from './row-topk.js';

describe('RowTopK', () => {
  it('keeps the best k per row whatever the push order, ties to the lower index', () => {
    const triples: [number, number, number][] = [];
    const rng = new Rng(3);
    for (let r = 0; r < 5; r++) for (let i = 0; i < 30; i++) triples.push([r, i, rng.int(6) / 2]);
    const want = (row: number) =>
      triples
        .filter((t) => t[0] === row)
        .sort((a, b) => b[2] - a[2] || a[1] - b[1])
        .slice(0, 4)
        .map((t) => t[1]);
    for (let rep = 0; rep < 3; rep++) {
      const h = new RowTopK(5, 4);
      for (const [r, i, s] of rng.shuffle([...triples])) h.push(r, i, s);
      const g = h.build();
      for (let r = 0; r < 5; r++)
        expect(Array.from(g.indices.subarray(g.indptr[r], g.indptr[r + 1]))).toEqual(want(r));
    }
  });
});

describe('contentNeighbours', () => {
  it('matches brute-force cosine, with missing items and n not a multiple of the tile', () => {
    const rng = new Rng(11);
    const n = 23;
    const d = 5;
    const data = new Float32Array(n * d).map(() => rng.normal());
    const present = new Uint8Array(n).fill(1);
    for (const i of [0, 7, 22]) {
      present[i] = 0;
      data.fill(0, i * d, (i + 1) * d);
    }
    const m = makeModality('text', n, d, data, 'mem', present);
    const k = 4;
    const g = contentNeighbours(m, n, k);
    const cos = (i: number, j: number) => {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let c = 0; c < d; c++) {
        dot += data[i * d + c]! * data[j * d + c]!;
        a += data[i * d + c]! ** 2;
        b += data[j * d + c]! ** 2;
      }
      return dot / Math.sqrt(a * b);
    };
    for (let i = 0; i < n; i++) {
      const want = present[i]
        ? Array.from({ length: n }, (_, j) => ({ j, s: j !== i && present[j] ? cos(i, j) : -1 }))
            .filter((x) => x.s > 0)
            .sort((x, y) => y.s - x.s)
            .slice(0, k)
        : [];
      const items = Array.from(g.indices.subarray(g.indptr[i], g.indptr[i + 1]));
      const sims = Array.from(g.sims.subarray(g.indptr[i], g.indptr[i + 1]));
      expect(items).toEqual(want.map((x) => x.j));
      want.forEach((x, t) => {
        expect(sims[t]).toBeCloseTo(x.s, 5);
      });
    }
  });
});
