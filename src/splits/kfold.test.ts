import { describe, expect, it } from 'vitest';
import { auditSplit } from './audit.js';
import { dedupeByUser } from './common.js';
import { kFoldSplit, kFoldSplits } from './kfold.js';
import { syntheticLog } from './synthetic.js';

const N_USERS = 200;
const N_ITEMS = 300;
const log = syntheticLog({ nUsers: N_USERS, nItems: N_ITEMS, seed: 3 });
const { ptr, rows } = dedupeByUser(log, N_USERS, N_ITEMS, 'test');

describe('kFoldSplits', () => {
  const splits = kFoldSplits(log, N_USERS, N_ITEMS, { seed: 9 });
  it('returns k leak-free splits covering all unique pairs', () => {
    expect(splits).toHaveLength(5);
    expect(splits[2]!.method).toBe('kfold-5 fold=2 valid=0.1 seed=9');
    for (const s of splits) {
      const a = auditSplit(s);
      expect(a.leakedPairs).toBe(0);
      expect(a.sizes.train + a.sizes.valid + a.sizes.test).toBe(rows.length);
    }
  });
  it('puts every interaction in exactly one test fold, with balanced folds', () => {
    const seen = new Map<string, number>();
    for (const s of splits) {
      for (let u = 0; u < N_USERS; u++) {
        for (const i of s.test.row(u)) seen.set(`${u},${i}`, (seen.get(`${u},${i}`) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(rows.length);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    const sizes = splits.map((s) => s.test.nnz);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
  it('gives each user floor(10%) of its non-test interactions as valid', () => {
    for (const s of splits) {
      for (let u = 0; u < N_USERS; u++) {
        const rest = ptr[u + 1]! - ptr[u]! - s.test.rowLength(u);
        expect(s.valid.rowLength(u)).toBe(Math.floor(rest * 0.1));
      }
    }
  });
  it('is deterministic per seed; kFoldSplit matches', () => {
    const again = kFoldSplits(log, N_USERS, N_ITEMS, { seed: 9 });
    const other = kFoldSplits(log, N_USERS, N_ITEMS, { seed: 10 });
    const ids = (s: (typeof splits)[number]) => `${s.test.indptr.join()}/${s.test.indices.join()}`;
    expect(again.map(ids)).toEqual(splits.map(ids));
    expect(other.map(ids)).not.toEqual(splits.map(ids));
    const one = kFoldSplit(log, N_USERS, N_ITEMS, { seed: 9, fold: 3 });
    expect(ids(one)).toBe(ids(splits[3]!));
    expect(one.valid.indices.join()).toBe(splits[3]!.valid.indices.join());
  });
  it('honours k and validRatio and rejects bad values', () => {
    const three = kFoldSplits(log, N_USERS, N_ITEMS, { seed: 1, k: 3, validRatio: 0 });
    expect(three).toHaveLength(3);
    expect(three.every((s) => s.valid.nnz === 0)).toBe(true);
    expect(() => kFoldSplits(log, N_USERS, N_ITEMS, { seed: 1, k: 1 })).toThrow(/"k"/);
    expect(() => kFoldSplits(log, N_USERS, N_ITEMS, { seed: 1, validRatio: 1 })).toThrow(/"validRatio"/);
    expect(() => kFoldSplit(log, N_USERS, N_ITEMS, { seed: 1, fold: 5 })).toThrow(/"fold".*0 to 4/);
  });
});
