import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import { Rng } from '../util/rng.js';
import { type Csr, normalizedAdjacency, splitRows, spmm } from './spmm.js';

function interactions(nUsers: number, nItems: number, pairs: [number, number][]): Interactions {
  const b = new LogBuilder();
  for (const [u, i] of pairs) b.push(u, i);
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

function dense(a: Csr): number[][] {
  const m = Array.from({ length: a.nRows }, () => new Array<number>(a.nCols).fill(0));
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]!; k < a.indptr[r + 1]!; k++) m[r]![a.indices[k]!] = a.values[k]!;
  }
  return m;
}

describe('normalizedAdjacency', () => {
  // users 0..2, items 0..1 (nodes 3, 4); user 2 has no interactions.
  const train = interactions(3, 2, [
    [0, 0],
    [0, 1],
    [1, 0],
    [0, 0], // duplicate: still one edge
  ]);
  const a = normalizedAdjacency(train);
  const m = dense(a);

  it('puts 1/sqrt(deg(u) deg(i)) on both sides of every edge', () => {
    expect(a.nRows).toBe(5);
    expect(a.indices.length).toBe(6);
    expect(m[0]![3]).toBeCloseTo(1 / Math.sqrt(2 * 2), 6); // deg(u0) = 2, deg(i0) = 2
    expect(m[0]![4]).toBeCloseTo(1 / Math.sqrt(2 * 1), 6);
    expect(m[1]![3]).toBeCloseTo(1 / Math.sqrt(1 * 2), 6);
    expect(m[3]![0]).toBeCloseTo(0.5, 6);
    expect(m[0]![0]).toBe(0);
    expect(m[0]![1]).toBe(0); // no user-user edges
  });

  it('is symmetric, with the row sums worked out by hand and an empty row for degree 0', () => {
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(m[r]![c]).toBe(m[c]![r]);
    const rowSums = m.map((row) => row.reduce((s, v) => s + v, 0));
    const colSums = m[0]!.map((_, c) => m.reduce((s, row) => s + row[c]!, 0));
    const h = Math.SQRT1_2;
    const expected = [0.5 + h, h, 0, 0.5 + h, h];
    for (let r = 0; r < 5; r++) {
      expect(rowSums[r]).toBeCloseTo(expected[r]!, 6);
      expect(colSums[r]).toBeCloseTo(expected[r]!, 6);
    }
    expect(a.indptr[3]! - a.indptr[2]!).toBe(0);
  });

  it('keeps column indices ascending within rows', () => {
    for (let r = 0; r < a.nRows; r++) {
      for (let k = a.indptr[r]! + 1; k < a.indptr[r + 1]!; k++) {
        expect(a.indices[k]!).toBeGreaterThan(a.indices[k - 1]!);
      }
    }
  });
});

describe('spmm', () => {
  const rng = new Rng(3);
  const pairs: [number, number][] = [];
  for (let k = 0; k < 300; k++) pairs.push([rng.int(40), rng.int(25)]);
  const a = normalizedAdjacency(interactions(40, 25, pairs));
  const m = dense(a);

  for (const dim of [1, 8, 13, 64]) {
    it(`matches a naive dense product (dim ${dim})`, () => {
      const x = Float32Array.from({ length: a.nCols * dim }, () => rng.next() - 0.5);
      const y = spmm(a, x, dim);
      for (let r = 0; r < a.nRows; r++) {
        for (let j = 0; j < dim; j++) {
          let s = 0;
          for (let c = 0; c < a.nCols; c++) s += m[r]![c]! * x[c * dim + j]!;
          expect(y[r * dim + j]).toBeCloseTo(s, 5);
        }
      }
    });
  }

  it('rejects tables of the wrong size', () => {
    expect(() => spmm(a, new Float32Array(3), 4)).toThrow(/expected x of 65 x 4/);
  });
});

describe('splitRows', () => {
  it('balances non-zeros over contiguous ranges', () => {
    const indptr = Int32Array.from([0, 10, 10, 11, 12, 20, 21, 22]);
    const b = splitRows(indptr, 2, 0);
    expect(Array.from(b)).toEqual([0, 3, 7]); // 11 non-zeros on each side
    expect(Array.from(splitRows(indptr, 1))).toEqual([0, 7]);
    const three = splitRows(indptr, 3, 1);
    expect(three[0]).toBe(0);
    expect(three[3]).toBe(7);
    for (let p = 0; p < 3; p++) expect(three[p + 1]!).toBeGreaterThanOrEqual(three[p]!);
  });
});
