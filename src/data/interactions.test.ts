import { describe, expect, it } from 'vitest';
import { IdMap } from './id-map.js';
import { Interactions } from './interactions.js';
import { LogBuilder } from './log.js';

describe('Interactions (CSR)', () => {
  const b = new LogBuilder();
  b.push(1, 3, 1, 10);
  b.push(0, 2, 1, 5);
  b.push(1, 0, 2, 7);
  b.push(1, 3, 5, 20); // duplicate of (1,3): the later event wins
  b.push(0, 1, 1, 1);
  const log = b.build();
  const m = Interactions.fromLog(log, 3, 4);

  it('sorts rows, merges duplicates keeping the latest event', () => {
    expect(Array.from(m.indptr)).toEqual([0, 2, 4, 4]);
    expect(Array.from(m.row(0))).toEqual([1, 2]);
    expect(Array.from(m.row(1))).toEqual([0, 3]);
    expect(m.values[3]).toBe(5);
    expect(m.timestamps[3]).toBe(20);
    expect(m.nnz).toBe(4);
  });

  it('answers membership, counts, active users and transposes', () => {
    expect(m.has(1, 3)).toBe(true);
    expect(m.has(1, 2)).toBe(false);
    expect(m.has(2, 0)).toBe(false);
    expect(Array.from(m.itemCounts())).toEqual([1, 1, 1, 1]);
    expect(Array.from(m.activeUsers())).toEqual([0, 1]);
    const t = m.transpose();
    expect(t.nUsers).toBe(4);
    expect(Array.from(t.row(3))).toEqual([1]);
    expect(t.transpose().indices).toEqual(m.indices);
  });

  it('selects a subset of log rows and rejects out-of-range indices', () => {
    const sub = Interactions.fromLog(log, 3, 4, [0, 4]);
    expect(sub.nnz).toBe(2);
    expect(() => Interactions.fromLog(log, 1, 4)).toThrow(/outside 1 x 4/);
  });
});

describe('IdMap', () => {
  it('maps raw ids to dense indices and back, and names unknown ids', () => {
    const ids = new IdMap();
    expect(ids.add('a')).toBe(0);
    expect(ids.add('b')).toBe(1);
    expect(ids.add('a')).toBe(0);
    expect(ids.raw(1)).toBe('b');
    expect(ids.size).toBe(2);
    expect(() => ids.index('zz', 'user')).toThrow('unknown user "zz"');
    expect(() => IdMap.from(['x', 'x'])).toThrow(/duplicate/);
  });
});
