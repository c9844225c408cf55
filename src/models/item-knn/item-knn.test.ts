import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { LogBuilder } from '../../data/log.js';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { makeModality } from '../../modalities/modality.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from '../recommender.js';
import { createModel, loadModel } from '../registry.js';
import { ItemKnn } from './item-knn.js';

function matrix(nUsers: number, nItems: number, rows: number[][]): Interactions {
  const b = new LogBuilder();
  rows.forEach((items, u) => {
    for (const i of items) b.push(u, i);
  });
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

function data(train: Interactions, modalities: TrainingData['modalities'] = []): TrainingData {
  return { train, modalities, fingerprint: 'fp-test' };
}

async function fitted(params: Record<string, unknown>, d: TrainingData): Promise<ItemKnn> {
  const m = new ItemKnn(params);
  let epochs = 0;
  await m.fit(d, {
    seed: 1,
    onEpochEnd: () => {
      epochs++;
      return 'continue';
    },
  });
  expect(epochs).toBe(1);
  return m;
}

// u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}: |U0|=2, |U1|=3, |U2|=2, |U3|=1.
const tiny = matrix(4, 4, [[0, 1], [0, 1, 2], [1, 2], [3]]);
const s01 = 2 / (Math.sqrt(6) + 1); // co 2, sqrt(2*3) + shrink 1
const s02 = 1 / (2 + 1); // co 1, sqrt(2*2) + 1
const s12 = 2 / (Math.sqrt(6) + 1);

describe('ItemKnn on interactions', () => {
  it('computes shrunk cosine similarities by hand', async () => {
    const m = await fitted({ k: 10, shrink: 1 }, data(tiny));
    const row = (i: number) => {
      const r = m.similarItems(i, 10);
      return [Array.from(r.items), Array.from(r.scores)];
    };
    expect(row(0)[0]).toEqual([1, 2]);
    expect(row(0)[1]![0]).toBeCloseTo(s01, 6);
    expect(row(0)[1]![1]).toBeCloseTo(s02, 6);
    expect(row(1)[0]).toEqual([0, 2]); // equal sims: lower index first
    expect(row(1)[1]![1]).toBeCloseTo(s12, 6);
    expect(row(2)[0]).toEqual([1, 0]);
    expect(row(3)[0]).toEqual([]); // no co-occurrence: no neighbours
    const out = new Float32Array(2 * 4);
    m.scoreBatch(Int32Array.from([0, 3]), out);
    // u0 has items 0 and 1: score(i) = sim(0, i) + sim(1, i).
    expect(out[0]).toBeCloseTo(s01, 6);
    expect(out[1]).toBeCloseTo(s01, 6);
    expect(out[2]).toBeCloseTo(s02 + s12, 6);
    expect(out[3]).toBe(0);
    expect(Array.from(out.subarray(4))).toEqual([0, 0, 0, 0]);
    const rec = m.recommend(0, 1, { exclude: (i) => tiny.has(0, i) });
    expect(Array.from(rec.items)).toEqual([2]);
  });

  it('keeps only the top k neighbours per item', async () => {
    const m = await fitted({ k: 1, shrink: 1 }, data(tiny));
    expect(Array.from(m.neighbours().indptr)).toEqual([0, 1, 2, 3, 3]);
    expect(Array.from(m.neighbours().indices)).toEqual([1, 0, 1]);
    expect(Array.from(m.similarItems(1, 5).items)).toEqual([0]);
  });

  it('matches a brute-force computation on random data', async () => {
    const rng = new Rng(7);
    const nUsers = 60;
    const nItems = 40;
    const rows = Array.from({ length: nUsers }, () =>
      Array.from({ length: 1 + rng.int(8) }, () => rng.int(nItems)),
    );
    const train = matrix(nUsers, nItems, rows);
    const k = 5;
    const m = await fitted({ k, shrink: 3 }, data(train));
    const byItem = train.transpose();
    for (let i = 0; i < nItems; i++) {
      const ui = new Set(byItem.row(i));
      const sims: { j: number; s: number }[] = [];
      for (let j = 0; j < nItems; j++) {
        if (j === i) continue;
        const co = byItem.row(j).filter((u) => ui.has(u)).length;
        if (co > 0) sims.push({ j, s: co / (Math.sqrt(ui.size * byItem.rowLength(j)) + 3) });
      }
      sims.sort((a, b) => b.s - a.s || a.j - b.j);
      const got = m.similarItems(i, k);
      const want = sims.slice(0, k);
      expect(got.items.length).toBe(want.length);
      want.forEach((w, t) => {
        expect(got.scores[t]).toBeCloseTo(w.s, 5);
      });
    }
  });

  it('validates params and reports unknown modalities with the available ones', async () => {
    expect(() => new ItemKnn({ k: 0 })).toThrow(InvalidArgumentError);
    expect(() => new ItemKnn({ shrink: -1 })).toThrow(/shrink/);
    expect(() => new ItemKnn({ k: 2.5 })).toThrow(/"k" must be an integer >= 1/);
    expect(new ItemKnn({ k: '5', shrink: '0' }).params).toMatchObject({ k: 5, shrink: 0 });
    expect(() => new ItemKnn({ neighbours: 5 })).toThrow(/unknown parameter "neighbours".*k, shrink, source/);
    const text = makeModality('text', 4, 2, new Float32Array(8), 'mem');
    const m = new ItemKnn({ source: 'image' });
    await expect(m.fit(data(tiny, [text]), { seed: 1 })).rejects.toThrow(
      /source "image".*available modalities: text/,
    );
    await expect(new ItemKnn({ source: 'image' }).fit(data(tiny), { seed: 1 })).rejects.toThrow(/\(none/);
    expect(() => new ItemKnn().scoreBatch(Int32Array.of(0), new Float32Array(4))).toThrow(/not fitted/);
  });
});

describe('ItemKnn on content', () => {
  // Item 0 ∥ item 2, item 1 ∥ item 3 (cold: no interactions), item 4 has no vector.
  const vectors = Float32Array.from([1, 0, 0, 1, 2, 0, 0, 3, 0, 0]);
  const present = Uint8Array.from([1, 1, 1, 1, 0]);
  const text = makeModality('text', 5, 2, vectors, 'mem', present);
  const train = matrix(3, 5, [[0], [1], [2]]);

  it('finds neighbours by cosine and scores a cold item', async () => {
    const m = await fitted({ k: 3, source: 'text' }, data(train, [text]));
    expect(Array.from(m.similarItems(0, 3).items)).toEqual([2]); // orthogonal items are dropped
    expect(m.similarItems(0, 3).scores[0]).toBeCloseTo(1, 6);
    expect(Array.from(m.similarItems(1, 3).items)).toEqual([3]);
    expect(Array.from(m.similarItems(3, 3).items)).toEqual([1]);
    expect(Array.from(m.similarItems(4, 3).items)).toEqual([]);
    const rec = m.recommend(1, 1, { exclude: (i) => train.has(1, i) });
    expect(Array.from(rec.items)).toEqual([3]);
    expect(rec.scores[0]).toBeCloseTo(1, 6);
  });
});

describe('ItemKnn save/load', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('round-trips through an artifact and checks the fingerprint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'itemknn-'));
    dirs.push(dir);
    const m = createModel('itemknn', { k: 2, shrink: 1 });
    await m.fit(data(tiny), { seed: 1 });
    await m.save(dir);
    const back = await loadModel(dir, 'fp-test');
    expect(back).toBeInstanceOf(ItemKnn);
    expect(back.params).toEqual({ k: 2, shrink: 1, source: 'interactions' });
    const users = Int32Array.from([0, 1, 2, 3]);
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    m.scoreBatch(users, a);
    back.scoreBatch(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(back.similarItems(1, 2)).toEqual(m.similarItems(1, 2));
    await expect(ItemKnn.load(dir, 'other')).rejects.toThrow(MismatchError);
  });
});
