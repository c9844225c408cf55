/**
 * @module models/popularity/popularity.test
 * Popularity against a hand count: scores are training interaction counts, ties go to the lower
 * index, exclusions are honoured, parameters are refused, and a saved model reloads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { InvalidArgumentError, MismatchError, NotFittedError } from '../../errors.js';
import { createModel, loadModel } from '../registry.js';
import { Popularity } from './popularity.js';

/** 3 users x 5 items: item 2 has 3 interactions, items 0 and 4 two each, item 1 one, item 3 none. */
const pairs: [number, number][] = [
  [0, 0],
  [0, 2],
  [0, 4],
  [1, 2],
  [1, 4],
  [2, 0],
  [2, 1],
  [2, 2],
];
const train = Interactions.fromLog(
  {
    length: pairs.length,
    users: Int32Array.from(pairs, (p) => p[0]),
    items: Int32Array.from(pairs, (p) => p[1]),
    values: new Float32Array(pairs.length).fill(1),
    timestamps: new Float64Array(pairs.length),
  },
  3,
  5,
);
const data = { train, modalities: [], fingerprint: 'fp-pop' };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('popularity', () => {
  it('refuses every parameter, naming it', () => {
    expect(() => new Popularity({ k: 5 })).toThrow(InvalidArgumentError);
    expect(() => createModel('popularity', { topK: 5 })).toThrow(
      /unknown parameter "topK". Valid parameters: none/,
    );
    expect(createModel('popularity').params).toEqual({});
  });

  it('scores items by their hand-counted training interactions', async () => {
    const m = new Popularity();
    expect(m.fitted).toBe(false);
    expect(() => m.recommend(0, 3)).toThrow(NotFittedError);
    const rep = await m.fit(data, { seed: 1 });
    expect(rep.epochs).toBe(1);
    const out = new Float32Array(2 * 5);
    m.scoreBatch(Int32Array.of(0, 2), out);
    expect(Array.from(out)).toEqual([2, 1, 3, 0, 2, 2, 1, 3, 0, 2]);
    // Ties (items 0 and 4, both 2) go to the lower index.
    expect(Array.from(m.recommend(1, 4).items)).toEqual([2, 0, 4, 1]);
    expect(Array.from(m.recommend(1, 4).scores)).toEqual([3, 2, 2, 1]);
    // Excluding user 1's items (2, 4).
    expect(Array.from(m.recommend(1, 5, { exclude: (i) => i === 2 || i === 4 }).items)).toEqual([0, 1, 3]);
    // Similar items: the most popular others.
    expect(Array.from(m.similarItems(2, 2).items)).toEqual([0, 4]);
    expect(m.scoringKernel()).toMatchObject({ kind: 'item-scores', nItems: 5 });
    // Any user gets the same list (a new user too); an unknown item or a negative k is an error.
    expect(Array.from(m.recommend(99, 2).items)).toEqual([2, 0]);
    expect(() => m.similarItems(5, 2)).toThrow(/item 5 is outside 0..4/);
    expect(() => m.recommend(0, -1)).toThrow(InvalidArgumentError);
  });

  it('saves and loads through the registry, checking the fingerprint', async () => {
    const m = new Popularity();
    await m.fit(data, { seed: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'fusionrec-pop-'));
    dirs.push(dir);
    await m.save(dir);
    const back = await loadModel(dir, 'fp-pop');
    expect(back).toBeInstanceOf(Popularity);
    expect(Array.from(back.recommend(0, 5).items)).toEqual([2, 0, 4, 1, 3]);
    await expect(loadModel(dir, 'other')).rejects.toThrow(MismatchError);
  });
});
