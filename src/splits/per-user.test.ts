import { describe, expect, it } from 'vitest';
import type { Interactions } from '../data/interactions.js';
import { type InteractionLog, LogBuilder } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { auditSplit } from './audit.js';
import { leaveLastOut, randomSplit, temporalUserSplit, userPartSizes } from './per-user.js';
import type { Split } from './split.js';
import { syntheticLog } from './synthetic.js';

const N_USERS = 300;
const N_ITEMS = 400;
const log = syntheticLog({ nUsers: N_USERS, nItems: N_ITEMS, seed: 7 });

/** Naive reference: latest timestamp per (user, item) pair (ties: later row). */
function latestPerPair(l: InteractionLog): Map<string, number> {
  const best = new Map<string, number>();
  for (let r = 0; r < l.length; r++) {
    const key = `${l.users[r]},${l.items[r]}`;
    const prev = best.get(key);
    if (prev === undefined || l.timestamps[r]! >= l.timestamps[prev]!) best.set(key, r);
  }
  return best;
}

function pairs(m: Interactions): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.nUsers; u++) for (const i of m.row(u)) out.push(`${u},${i}`);
  return out;
}

function perUserCounts(l: InteractionLog): number[] {
  const c = new Array<number>(N_USERS).fill(0);
  for (const key of latestPerPair(l).keys()) c[Number(key.split(',')[0])]!++;
  return c;
}

function bytes(s: Split): string {
  return [s.train, s.valid, s.test]
    .map((m) => Buffer.from(m.indptr.buffer).toString('hex') + Buffer.from(m.indices.buffer).toString('hex'))
    .join('|');
}

describe('userPartSizes', () => {
  it('follows the documented rule', () => {
    const r = [0.8, 0.1, 0.1] as const;
    expect(userPartSizes(0, r)).toEqual([0, 0, 0]);
    expect(userPartSizes(1, r)).toEqual([1, 0, 0]);
    expect(userPartSizes(2, r)).toEqual([1, 0, 1]);
    expect(userPartSizes(3, r)).toEqual([1, 1, 1]);
    expect(userPartSizes(5, r)).toEqual([3, 1, 1]);
    expect(userPartSizes(9, r)).toEqual([7, 1, 1]);
    expect(userPartSizes(10, r)).toEqual([8, 1, 1]);
    expect(userPartSizes(25, r)).toEqual([21, 2, 2]);
    expect(userPartSizes(100, [0.71, 0.0, 0.29])).toEqual([71, 0, 29]);
    expect(userPartSizes(5, [0.9, 0, 0.1])).toEqual([4, 0, 1]);
  });
});

describe.each([
  ['randomSplit', (l: InteractionLog) => randomSplit(l, N_USERS, N_ITEMS, { seed: 1 })],
  ['temporalUserSplit', (l: InteractionLog) => temporalUserSplit(l, N_USERS, N_ITEMS)],
])('%s', (_name, split) => {
  const s = split(log);
  it('has one shape and no pair in two parts', () => {
    const a = auditSplit(s);
    expect(a.sameShape).toBe(true);
    expect(s.train.nUsers).toBe(N_USERS);
    expect(s.test.nItems).toBe(N_ITEMS);
    expect(a.leakedPairs).toBe(0);
    expect(a.sizes.valid).toBeGreaterThan(0);
    expect(a.sizes.test).toBeGreaterThan(0);
  });
  it('covers exactly the unique pairs, each with its latest event', () => {
    const latest = latestPerPair(log);
    const all = [s.train, s.valid, s.test].flatMap(pairs).sort();
    expect(all).toEqual([...latest.keys()].sort());
    for (const m of [s.train, s.valid, s.test]) {
      for (let u = 0; u < N_USERS; u++) {
        for (let k = m.indptr[u]!; k < m.indptr[u + 1]!; k++) {
          expect(m.timestamps[k]).toBe(log.timestamps[latest.get(`${u},${m.indices[k]}`)!]);
        }
      }
    }
  });
  it('sizes every user by the rule', () => {
    const counts = perUserCounts(log);
    expect(counts.some((n) => n < 10) && counts.some((n) => n >= 10)).toBe(true);
    for (let u = 0; u < N_USERS; u++) {
      const got = [s.train.rowLength(u), s.valid.rowLength(u), s.test.rowLength(u)];
      expect(got).toEqual(userPartSizes(counts[u]!, [0.8, 0.1, 0.1]));
    }
  });
});

describe('randomSplit', () => {
  it('is byte-identical for one seed and differs for another', () => {
    const a = randomSplit(log, N_USERS, N_ITEMS, { seed: 42 });
    expect(a.method).toBe('random-8:1:1 seed=42');
    expect(bytes(randomSplit(log, N_USERS, N_ITEMS, { seed: 42 }))).toBe(bytes(a));
    expect(bytes(randomSplit(log, N_USERS, N_ITEMS, { seed: 43 }))).not.toBe(bytes(a));
  });
  it('splits a user with 10 items 8/1/1 and counts duplicates once', () => {
    const b = new LogBuilder();
    for (let i = 0; i < 10; i++) b.push(0, i, 1, 100 + i);
    for (let i = 0; i < 5; i++) b.push(1, i, 1, 100 + i);
    b.push(1, 0, 1, 500); // repeat of (1, 0): still 5 unique items → 3/1/1
    const s = randomSplit(b.build(), 2, 10, { seed: 3 });
    expect([s.train.rowLength(0), s.valid.rowLength(0), s.test.rowLength(0)]).toEqual([8, 1, 1]);
    expect([s.train.rowLength(1), s.valid.rowLength(1), s.test.rowLength(1)]).toEqual([3, 1, 1]);
    expect(auditSplit(s).leakedPairs).toBe(0);
  });
  it('rejects bad options and out-of-range rows', () => {
    expect(() => randomSplit(log, N_USERS, N_ITEMS, { seed: 1.5 })).toThrow(/"seed"/);
    expect(() => randomSplit(log, N_USERS, N_ITEMS, { seed: 1, ratios: [0.5, 0.1, 0.1] })).toThrow(
      /"ratios".*sum to 1/,
    );
    expect(() => randomSplit(log, N_USERS - 1, N_ITEMS, { seed: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('temporalUserSplit', () => {
  it('puts every train event of a user before its valid and test events', () => {
    const s = temporalUserSplit(log, N_USERS, N_ITEMS);
    expect(s.method).toBe('temporal-user-8:1:1');
    for (let u = 0; u < N_USERS; u++) {
      const ts = (m: Interactions) => Array.from(m.timestamps.subarray(m.indptr[u]!, m.indptr[u + 1]!));
      const [tr, va, te] = [ts(s.train), ts(s.valid), ts(s.test)];
      expect(Math.max(...tr, 0)).toBeLessThanOrEqual(Math.min(...va, Infinity));
      expect(Math.max(...va, ...tr, 0)).toBeLessThanOrEqual(Math.min(...te, Infinity));
    }
  });
  it('breaks timestamp ties by row order', () => {
    const b = new LogBuilder();
    for (const i of [5, 3, 9, 0, 7, 1, 8, 2, 6, 4]) b.push(0, i, 1, 1000);
    const s = temporalUserSplit(b.build(), 1, 10);
    expect(Array.from(s.valid.row(0))).toEqual([6]);
    expect(Array.from(s.test.row(0))).toEqual([4]);
  });
});

describe('leaveLastOut', () => {
  it('holds out the latest and second latest event; short users stay in train', () => {
    const b = new LogBuilder();
    for (const [i, t] of [30, 10, 50, 20, 40].entries()) b.push(0, i, 1, t); // items by time: 1,3,0,4,2
    b.push(0, 1, 1, 60); // repeat of item 1, now the latest
    b.push(1, 0, 1, 5);
    b.push(1, 1, 1, 6);
    b.push(2, 3, 1, 5);
    const s = leaveLastOut(b.build(), 3, 5);
    expect(s.method).toBe('leave-last-out');
    expect(Array.from(s.test.row(0))).toEqual([1]);
    expect(Array.from(s.valid.row(0))).toEqual([2]);
    expect(Array.from(s.train.row(0))).toEqual([0, 3, 4]);
    expect(Array.from(s.train.row(1))).toEqual([0, 1]);
    expect(Array.from(s.train.row(2))).toEqual([3]);
    expect(s.valid.nnz + s.test.nnz).toBe(2);
  });
  it('is sound on the synthetic log', () => {
    const s = leaveLastOut(log, N_USERS, N_ITEMS);
    expect(auditSplit(s).leakedPairs).toBe(0);
    const counts = perUserCounts(log);
    for (let u = 0; u < N_USERS; u++) expect(s.test.rowLength(u)).toBe(counts[u]! >= 3 ? 1 : 0);
  });
});
