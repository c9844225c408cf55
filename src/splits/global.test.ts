import { describe, expect, it } from 'vitest';
import type { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { auditSplit } from './audit.js';
import { dedupeByUser } from './common.js';
import { coldStartItemSplit, globalTemporalSplit, predefinedSplit } from './global.js';
import { syntheticLog } from './synthetic.js';

const N_USERS = 250;
const N_ITEMS = 300;
const log = syntheticLog({ nUsers: N_USERS, nItems: N_ITEMS, seed: 11, withLabels: true });
const kept = dedupeByUser(log, N_USERS, N_ITEMS, 'test').rows;
const allPairs = Array.from(kept, (r) => `${log.users[r]},${log.items[r]}`).sort();

function pairs(m: Interactions): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.nUsers; u++) for (const i of m.row(u)) out.push(`${u},${i}`);
  return out;
}

describe('globalTemporalSplit', () => {
  const s = globalTemporalSplit(log, N_USERS, N_ITEMS);
  it('cuts by the floored shares and covers every unique pair once', () => {
    expect(s.method).toBe('temporal-global-8:1:1');
    const n = kept.length;
    expect(s.test.nnz).toBe(Math.floor(n * 0.1));
    expect(s.valid.nnz).toBe(Math.floor(n * 0.1));
    expect(s.train.nnz).toBe(n - 2 * Math.floor(n * 0.1));
    expect(auditSplit(s).leakedPairs).toBe(0);
    expect([s.train, s.valid, s.test].flatMap(pairs).sort()).toEqual(allPairs);
  });
  it('puts every train event before every valid and test event, globally', () => {
    const max = (m: Interactions) => Math.max(...m.timestamps);
    const min = (m: Interactions) => Math.min(...m.timestamps);
    expect(max(s.train)).toBeLessThanOrEqual(min(s.valid));
    expect(max(s.valid)).toBeLessThanOrEqual(min(s.test));
  });
});

describe('coldStartItemSplit', () => {
  const s = coldStartItemSplit(log, N_USERS, N_ITEMS, { seed: 5 });
  const cold = new Set(s.coldItems);
  const validItems = new Set(s.coldValidItems);
  const testItems = new Set(s.coldTestItems);
  it('holds out floored shares of the interacted items, disjoint, ascending', () => {
    expect(s.method).toBe('cold-start-8:1:1 seed=5');
    const active = new Set(Array.from(kept, (r) => log.items[r]!));
    expect(testItems.size).toBe(Math.floor(active.size * 0.1));
    expect(validItems.size).toBe(Math.floor(active.size * 0.1));
    expect(cold.size).toBe(validItems.size + testItems.size);
    for (const i of cold) expect(active.has(i)).toBe(true);
    for (const i of validItems) expect(testItems.has(i)).toBe(false);
    for (const a of [s.coldItems!, s.coldValidItems!, s.coldTestItems!]) {
      expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y));
    }
  });
  it('never trains on a held-out item and moves all its interactions', () => {
    expect(auditSplit(s).coldItemsInTrain).toBe(0);
    expect(auditSplit(s).leakedPairs).toBe(0);
    for (const i of s.train.indices) expect(cold.has(i)).toBe(false);
    for (const i of s.valid.indices) expect(validItems.has(i)).toBe(true);
    for (const i of s.test.indices) expect(testItems.has(i)).toBe(true);
    expect([s.train, s.valid, s.test].flatMap(pairs).sort()).toEqual(allPairs);
  });
  it('is deterministic per seed', () => {
    const again = coldStartItemSplit(log, N_USERS, N_ITEMS, { seed: 5 });
    expect(Array.from(again.coldTestItems!)).toEqual(Array.from(s.coldTestItems!));
    expect(Array.from(again.test.indices)).toEqual(Array.from(s.test.indices));
    const other = coldStartItemSplit(log, N_USERS, N_ITEMS, { seed: 6 });
    expect(Array.from(other.coldItems!)).not.toEqual(Array.from(s.coldItems!));
  });
  it('holds out at least one item per part even when the share floors to 0', () => {
    const b = new LogBuilder();
    for (let i = 0; i < 5; i++) b.push(0, i, 1, i);
    const t = coldStartItemSplit(b.build(), 1, 8, { seed: 1 });
    expect([t.train.nnz, t.valid.nnz, t.test.nnz]).toEqual([3, 1, 1]);
  });
  it('rejects bad item ratios naming the option', () => {
    expect(() => coldStartItemSplit(log, N_USERS, N_ITEMS, { seed: 1, itemRatios: [0, 0.5, 0.5] })).toThrow(
      /"itemRatios"/,
    );
  });
});

describe('predefinedSplit', () => {
  it('follows the labels row by row', () => {
    const s = predefinedSplit(log, N_USERS, N_ITEMS);
    expect(s.method).toBe('predefined');
    const expected: string[][] = [[], [], []];
    for (const r of kept) expected[log.labels![r]!]!.push(`${log.users[r]},${log.items[r]}`);
    expect(pairs(s.train)).toEqual(expected[0]!.sort(cmpPair));
    expect(pairs(s.valid)).toEqual(expected[1]!.sort(cmpPair));
    expect(pairs(s.test)).toEqual(expected[2]!.sort(cmpPair));
    expect(auditSplit(s).leakedPairs).toBe(0);
  });
  it('keeps the label of the latest event of a repeated pair', () => {
    const b = new LogBuilder({ withLabels: true });
    b.push(0, 1, 1, 10, 0);
    b.push(0, 1, 1, 20, 2);
    b.push(0, 2, 1, 15, 1);
    const s = predefinedSplit(b.build(), 1, 3);
    expect([s.train.nnz, s.valid.nnz, s.test.nnz]).toEqual([0, 1, 1]);
    expect(Array.from(s.test.row(0))).toEqual([1]);
  });
  it('throws without labels or with a bad label', () => {
    const plain = syntheticLog({ nUsers: 3, nItems: 5, seed: 1 });
    expect(() => predefinedSplit(plain, 3, 5)).toThrow(InvalidArgumentError);
    const b = new LogBuilder({ withLabels: true });
    b.push(0, 0, 1, 0, 3);
    expect(() => predefinedSplit(b.build(), 1, 1)).toThrow(/label 3.*0 \(train\), 1 \(valid\), 2 \(test\)/);
  });
});

function cmpPair(a: string, b: string): number {
  const [ua, ia] = a.split(',').map(Number) as [number, number];
  const [ub, ib] = b.split(',').map(Number) as [number, number];
  return ua - ub || ia - ib;
}
