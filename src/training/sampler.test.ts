import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import type { InteractionLog } from '../data/log.js';
import { Rng } from '../util/rng.js';
import { interactedItems, TripleSampler } from './sampler.js';

/** A random sparse matrix with every user active. */
function randomMatrix(nUsers: number, nItems: number, perUser: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let k = 0; k < perUser; k++) {
      users.push(u);
      items.push(rng.int(nItems));
    }
  }
  const n = users.length;
  const log: InteractionLog = {
    length: n,
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: new Float32Array(n).fill(1),
    timestamps: new Float64Array(n),
  };
  return Interactions.fromLog(log, nUsers, nItems);
}

function collect(s: TripleSampler, batchSize: number): { users: number[]; pos: number[]; neg: number[] } {
  const out = { users: [] as number[], pos: [] as number[], neg: [] as number[] };
  for (const b of s.epoch(batchSize)) {
    expect(b.users.length).toBe(b.size);
    out.users.push(...b.users);
    out.pos.push(...b.pos);
    out.neg.push(...b.neg);
  }
  return out;
}

describe('TripleSampler', () => {
  const train = randomMatrix(40, 30, 12, 7);

  it('yields every training pair exactly once per epoch', () => {
    const s = new TripleSampler(train, { seed: 1 });
    expect(s.nPairs).toBe(train.nnz);
    for (let e = 0; e < 3; e++) {
      const { users, pos } = collect(s, 17);
      expect(users.length).toBe(train.nnz);
      const seen = users.map((u, k) => `${u}:${pos[k]}`).sort();
      const expected: string[] = [];
      for (let u = 0; u < train.nUsers; u++) for (const i of train.row(u)) expected.push(`${u}:${i}`);
      expect(seen).toEqual(expected.sort());
    }
  });

  it('never draws a negative among the user’s training items, with several negatives', () => {
    const s = new TripleSampler(train, { seed: 3, negatives: 4 });
    for (let e = 0; e < 5; e++) {
      const { users, neg } = collect(s, 64);
      expect(neg.length).toBe(users.length * 4);
      neg.forEach((j, k) => {
        const u = users[Math.floor(k / 4)]!;
        expect(train.has(u, j)).toBe(false);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(j).toBeLessThan(train.nItems);
      });
    }
  });

  it('gives the same batches for the same seed, and others for another seed', () => {
    const a = collect(new TripleSampler(train, { seed: 11 }), 50);
    const b = collect(new TripleSampler(train, { seed: 11 }), 50);
    const c = collect(new TripleSampler(train, { seed: 12 }), 50);
    expect(a).toEqual(b);
    expect(a.pos).not.toEqual(c.pos);
  });

  it('splits each epoch between parts exactly (data-parallel samplers)', () => {
    const parts = [0, 1, 2].map((part) => new TripleSampler(train, { seed: 5, part, parts: 3 }));
    const whole = collect(new TripleSampler(train, { seed: 5 }), 20);
    const joined = parts.flatMap((s) => {
      const { users, pos } = collect(s, 20);
      return users.map((u, k) => `${u}:${pos[k]}`);
    });
    expect(joined.sort()).toEqual(whole.users.map((u, k) => `${u}:${whole.pos[k]}`).sort());
  });

  it('rejects a user with every item and bad options', () => {
    const full = randomMatrix(2, 3, 40, 1);
    expect(() => new TripleSampler(full, { seed: 1 })).toThrow(/all 3 items/);
    expect(() => new TripleSampler(train, { seed: 1, negatives: 0 })).toThrow(/negatives/);
    expect(() => [...new TripleSampler(train, { seed: 1 }).epoch(0)]).toThrow(/batchSize/);
  });

  it('draws negatives only from a pool when given one (cold-start training)', () => {
    const m = randomMatrix(30, 50, 4, 9);
    const pool = interactedItems(m);
    expect(pool.length).toBeLessThan(50);
    const inPool = new Set(pool);
    const s = new TripleSampler(m, { seed: 2, negatives: 3, negativePool: pool });
    let count = 0;
    for (const b of s.epoch(16)) {
      for (let k = 0; k < b.size * 3; k++) {
        expect(inPool.has(b.neg[k]!)).toBe(true);
        count++;
      }
    }
    expect(count).toBe(m.nnz * 3);
    expect(() => new TripleSampler(m, { seed: 1, negativePool: new Int32Array(0) })).toThrow(/empty/);
    // a user who has every pool item cannot get a negative
    const row = Int32Array.from({ length: m.indptr[1]! - m.indptr[0]! }, (_, k) => m.indices[k]!);
    expect(() => new TripleSampler(m, { seed: 1, negativePool: row })).toThrow(/every item/);
  });
});
