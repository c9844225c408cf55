import { describe, expect, it } from 'vitest';
import { combineKnn, knnTable, transposeCsr, usableRows } from './item-graph.js';

// Five items in 2-d: 0,1,2 point one way, 3,4 another; item 4 lacks the modality.
const data = Float32Array.of(1, 0, 0.9, 0.1, 0.8, 0.3, 0, 1, 0.1, 1);
const present = Uint8Array.of(1, 1, 1, 1, 0);
const m = { dim: 2, data, present };

describe('knnTable', () => {
  it('lists each item itself first, then its nearest present items by cosine', () => {
    const t = knnTable(m, 5, 2);
    expect(Array.from(t)).toEqual([0, 1, 1, 0, 2, 1, 3, 2, -1, -1]);
  });

  it('treats all-zero rows as missing and pads short rows with -1', () => {
    const zero = { dim: 2, data: Float32Array.of(1, 0, 0, 0, 1, 1), present: Uint8Array.of(1, 1, 1) };
    expect(Array.from(usableRows(zero, 3))).toEqual([1, 0, 1]);
    expect(Array.from(knnTable(zero, 3, 3))).toEqual([0, 2, -1, -1, -1, -1, 2, 0, -1]);
  });

  it('rejects k < 1', () => {
    expect(() => knnTable(m, 5, 0)).toThrow(/k must be an integer >= 1/);
  });
});

describe('combineKnn', () => {
  it('gives each kept pair 1/k (MMRec: D^-1/2 A D^-1/2 with row degrees) times the modality weight', () => {
    const a = knnTable(m, 5, 2);
    const other = {
      dim: 2,
      data: Float32Array.of(0, 1, 1, 0, 1, 0.1, 0, 1, 1, 1),
      present: Uint8Array.of(1, 1, 1, 1, 1),
    };
    const b = knnTable(other, 5, 2);
    const { graph, parts } = combineKnn([a, b], [present, other.present], [0.25, 0.75], 5, 2);
    const row = (r: number) => {
      const out: Record<number, number> = {};
      for (let k = graph.indptr[r]!; k < graph.indptr[r + 1]!; k++) out[graph.indices[k]!] = graph.values[k]!;
      return out;
    };
    // Item 0: modality a neighbours {0, 1}, modality b neighbours {0, 3} (cosines 1, 1).
    expect(Array.from(b.subarray(0, 2))).toEqual([0, 3]);
    expect(row(0)[0]).toBeCloseTo(0.25 * 0.5 + 0.75 * 0.5);
    expect(row(0)[1]).toBeCloseTo(0.25 * 0.5);
    expect(row(0)[3]).toBeCloseTo(0.75 * 0.5);
    // Every row sums to 1; item 4 lacks modality a, so its row is modality b's alone.
    for (let r = 0; r < 5; r++) expect(Object.values(row(r)).reduce((s, x) => s + x, 0)).toBeCloseTo(1);
    const p0 = parts[0]!;
    for (let k = graph.indptr[4]!; k < graph.indptr[5]!; k++) expect(p0.values[k]).toBe(0);
    // The parts add up to the graph.
    for (let k = 0; k < graph.values.length; k++) {
      expect(parts[0]!.values[k]! + parts[1]!.values[k]!).toBeCloseTo(graph.values[k]!, 6);
    }
  });
});

describe('transposeCsr', () => {
  it('transposes with ascending columns', () => {
    const a = {
      nRows: 2,
      nCols: 3,
      indptr: Int32Array.of(0, 2, 3),
      indices: Int32Array.of(0, 2, 1),
      values: Float32Array.of(1, 2, 3),
    };
    const t = transposeCsr(a);
    expect(t.nRows).toBe(3);
    expect(Array.from(t.indptr)).toEqual([0, 1, 2, 3]);
    expect(Array.from(t.indices)).toEqual([0, 1, 0]);
    expect(Array.from(t.values)).toEqual([1, 3, 2]);
  });
});
