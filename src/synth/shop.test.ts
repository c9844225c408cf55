import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { evaluateRanking } from '../eval/evaluator.js';
import { ItemKnn } from '../models/item-knn/item-knn.js';
import { KernelModel } from '../models/kernel-model.js';
import { randomSplit } from '../splits/index.js';
import { Rng } from '../util/rng.js';
import { generateShop, shopDataset, shopShape } from './shop.js';

describe('generateShop', () => {
  const spec = { users: 2000, items: 600, events: 30_000, seed: 7 };

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateShop(spec);
    const b = generateShop(spec);
    const c = generateShop({ ...spec, seed: 8 });
    expect(a.log.items).toEqual(b.log.items);
    expect(a.modalities[0]!.data).toEqual(b.modalities[0]!.data);
    expect(a.log.items).not.toEqual(c.log.items);
  });

  it('has the requested size, min events per user and increasing timestamps per user', () => {
    const s = generateShop(spec);
    expect(s.log.length).toBe(30_000);
    const per = new Int32Array(s.nUsers);
    for (let e = 0; e < s.log.length; e++) {
      per[s.log.users[e]!]!++;
      expect(s.log.items[e]!).toBeLessThan(600);
      if (e > 0 && s.log.users[e] === s.log.users[e - 1])
        expect(s.log.timestamps[e]!).toBeGreaterThan(s.log.timestamps[e - 1]!);
    }
    expect(Math.min(...per)).toBeGreaterThanOrEqual(2);
    // power-law activity: the most active 1% of users hold far more than 1% of events
    const sorted = [...per].sort((x, y) => y - x);
    const top = sorted.slice(0, 20).reduce((x, y) => x + y, 0);
    expect(top / 30_000).toBeGreaterThan(0.1);
  });

  it('has power-law item popularity (top 1% of items get well over 1% of events)', () => {
    const s = generateShop(spec);
    const pop = new Int32Array(s.nItems);
    for (const i of s.log.items) pop[i]!++;
    const sorted = [...pop].sort((x, y) => y - x);
    const top6 = sorted.slice(0, 6).reduce((x, y) => x + y, 0);
    expect(top6 / 30_000).toBeGreaterThan(0.08);
    // log-log slope of count vs rank over ranks 2..50 is clearly negative (Zipf-like)
    const xs: number[] = [];
    const ys: number[] = [];
    for (let r = 1; r < 50; r++) {
      xs.push(Math.log(r + 1));
      ys.push(Math.log(Math.max(1, sorted[r]!)));
    }
    const mx = xs.reduce((x, y) => x + y) / xs.length;
    const my = ys.reduce((x, y) => x + y) / ys.length;
    let num = 0;
    let den = 0;
    xs.forEach((x, k) => {
      num += (x - mx) * (ys[k]! - my);
      den += (x - mx) ** 2;
    });
    expect(num / den).toBeLessThan(-0.4);
  });

  it('masks missing audio and keeps 3 modalities of the requested widths', () => {
    const s = generateShop({ ...spec, dims: { text: 8, image: 4, audio: 2 } });
    expect(s.modalities.map((m) => [m.name, m.dim])).toEqual([
      ['text', 8],
      ['image', 4],
      ['audio', 2],
    ]);
    const audio = s.modalities[2]!;
    const missing = audio.present.reduce((x, p) => x + (p ? 0 : 1), 0) / s.nItems;
    expect(missing).toBeGreaterThan(0.2);
    expect(missing).toBeLessThan(0.4);
    const i = audio.present.indexOf(0);
    expect([...audio.data.subarray(i * 2, i * 2 + 2)]).toEqual([0, 0]);
  });

  it('rejects impossible specs', () => {
    expect(() => generateShop({ users: 10, items: 5, events: 10, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => generateShop({ ...spec, affinity: 2 })).toThrow(/affinity/);
  });

  it('plants structure: a content kNN on text beats random ranking by far', async () => {
    const s = generateShop(spec);
    const ds = shopDataset(s);
    const split = randomSplit(ds.log, s.nUsers, s.nItems, { seed: 3 });
    const knn = new ItemKnn({ source: 'text', k: 50 });
    await knn.fit({ train: split.train, modalities: ds.modalities, fingerprint: 'x' }, { seed: 1 });
    const rng = new Rng(5);
    const random = new KernelModel('random', {
      kind: 'dot',
      nUsers: s.nUsers,
      nItems: s.nItems,
      dim: 4,
      userFactors: Float32Array.from({ length: s.nUsers * 4 }, () => rng.normal()),
      itemFactors: Float32Array.from({ length: s.nItems * 4 }, () => rng.normal()),
    });
    const k = await evaluateRanking(knn, split.test, [split.train], {
      ks: [20],
      metrics: ['recall'],
      workers: 1,
    });
    const r = await evaluateRanking(random, split.test, [split.train], {
      ks: [20],
      metrics: ['recall'],
      workers: 1,
    });
    // random recall@20 is about 20 / 600 = 0.033
    expect(r.metrics['recall@20']!).toBeLessThan(0.08);
    expect(k.metrics['recall@20']!).toBeGreaterThan(2 * r.metrics['recall@20']!);
  });

  it('matches users and items to events as the scale bench does', () => {
    expect(shopShape(1e5)).toEqual({ users: 10_000, items: 10_000, events: 100_000 });
    expect(shopShape(1e7)).toEqual({ users: 1_000_000, items: 1_000_000, events: 10_000_000 });
  });
});
