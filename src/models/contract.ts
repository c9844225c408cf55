/**
 * @module models/contract
 * The behaviour every registered {@link Recommender} must have, as one vitest suite that a test
 * file runs per model name (`modelContract('bpr', fixture)`): fit on a tiny seeded dataset, shapes
 * and finite numbers from scoreBatch/recommend/similarItems, seen items excluded on request, the
 * worker kernel ranking like scoreBatch, save → load (through the registry, as serving loads)
 * scoring bit-identically, same seed → bit-identical numbers, unknown and out-of-range parameters
 * rejected with InvalidArgumentError naming the valid ones, and cold items / users without
 * training feedback scored with finite numbers, and indices outside the model, a negative k or a
 * too short output buffer rejected with InvalidArgumentError (never silent garbage). Written against the interface docs in
 * models/recommender.ts, not against one implementation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { InvalidArgumentError, MismatchError, NotSupportedError } from '../errors.js';
import type { Ranked } from '../math/topk.js';
import { makeModality } from '../modalities/modality.js';
import { Rng } from '../util/rng.js';
import type { Recommender, TrainingData } from './recommender.js';
import { createModel, getModel, loadModel } from './registry.js';
import { kernelScorer } from './scoring.js';
import { N_ITEMS, N_USERS, topicInteractions, topicOf, topicText } from './testing/topics.js';

/** The cases of the contract, by name (the keys of a known-gaps map). */
export const CONTRACT_CASES = [
  'fit',
  'scores',
  'recommend',
  'exclude-seen',
  'similar-items',
  'kernel',
  'save-load',
  'same-seed',
  'unknown-param',
  'out-of-range-param',
  'non-finite-param',
  'numeric-string-param',
  'cold-items',
  'empty-users',
  'bad-arguments',
] as const;

export type ContractCase = (typeof CONTRACT_CASES)[number];

/** What a model is checked on. */
export interface ModelFixture {
  /** Names a variant in the suite's title when one model runs on several fixtures. */
  label?: string;
  data: TrainingData;
  /** Items with no training feedback. */
  coldItems: readonly number[];
  /** Users with no training feedback. */
  emptyUsers: readonly number[];
  /** Small, fast parameters (a model's defaults when absent). */
  params?: Record<string, unknown>;
  /** Epoch bound of every fit (default 2). */
  maxEpochs?: number;
  /**
   * One out-of-range value and the range its error must state, e.g.
   * `{ param: 'dim', value: 0, range: '>= 1' }`; absent for a model without bounded parameters.
   */
  outOfRange?: { param: string; value: unknown; range: string };
}

/** Users beyond those in the topic world: they have no training feedback. */
export const EMPTY_USERS = 4;

/**
 * The tiny shared dataset: the topic world of models/testing/topics (80 users, 120 items, items
 * >= 90 cold) plus {@link EMPTY_USERS} users with no feedback, rating-like values (3..5), a
 * "text" modality revealing the topic and an "audio" modality missing for every third item.
 */
export function contractData(seed: number): Pick<ModelFixture, 'data' | 'coldItems' | 'emptyUsers'> {
  const rng = new Rng(seed);
  const topics = topicInteractions(rng, (i) => 3 + (i % 3));
  const nUsers = N_USERS + EMPTY_USERS;
  const indptr = new Int32Array(nUsers + 1);
  indptr.set(topics.indptr);
  indptr.fill(topics.indptr[N_USERS]!, N_USERS + 1);
  const train = new Interactions(nUsers, N_ITEMS, indptr, topics.indices, topics.values, topics.timestamps);
  const textDim = 6;
  const text = makeModality('text', N_ITEMS, textDim, topicText(rng, textDim), 'contract');
  const audio = new Float32Array(N_ITEMS * 4);
  const present = new Uint8Array(N_ITEMS);
  for (let i = 0; i < N_ITEMS; i++) {
    if (i % 3 === 0) continue;
    present[i] = 1;
    for (let k = 0; k < 4; k++) audio[i * 4 + k] = 0.3 * rng.normal();
    audio[i * 4 + topicOf(i)]! += 1;
  }
  const seen = new Uint8Array(N_ITEMS);
  for (const i of train.indices) seen[i] = 1;
  const coldItems: number[] = [];
  for (let i = 0; i < N_ITEMS; i++) if (!seen[i]) coldItems.push(i);
  return {
    data: {
      train,
      modalities: [text, makeModality('audio', N_ITEMS, 4, audio, 'contract', present)],
      fingerprint: `fp-contract-${seed}`,
    },
    coldItems,
    emptyUsers: Array.from({ length: EMPTY_USERS }, (_, k) => N_USERS + k),
  };
}

/** Every user's scores (nUsers x nItems). */
function allScores(m: Recommender, nUsers: number): Float32Array {
  const out = new Float32Array(nUsers * m.nItems);
  m.scoreBatch(
    Int32Array.from({ length: nUsers }, (_, u) => u),
    out,
  );
  return out;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

function expectFinite(a: Float32Array, what: string): void {
  const bad = a.findIndex((v) => !Number.isFinite(v));
  expect(bad, `${what}: first non-finite value at ${bad}`).toBe(-1);
}

/** Checks a ranked list's shape: at most k distinct in-range items, finite scores, best first. */
function expectRanked(r: Ranked, k: number, nItems: number): void {
  expect(r.items).toBeInstanceOf(Int32Array);
  expect(r.scores).toBeInstanceOf(Float32Array);
  expect(r.items.length).toBe(r.scores.length);
  expect(r.items.length).toBeLessThanOrEqual(k);
  expect(new Set(r.items).size).toBe(r.items.length);
  for (const i of r.items) expect(i >= 0 && i < nItems, `item ${i} in 0..${nItems - 1}`).toBe(true);
  expectFinite(r.scores, 'ranked scores');
  for (let j = 1; j < r.scores.length; j++) expect(r.scores[j]!).toBeLessThanOrEqual(r.scores[j - 1]!);
}

/**
 * Defines the contract suite for model `name` on `fixture`. Cases named in `gaps` (a known gap
 * with its reason) are skipped, and the skip names the reason.
 */
export function modelContract(
  name: string,
  fixture: ModelFixture,
  gaps: Partial<Record<ContractCase, string>> = {},
): void {
  const { data, coldItems, emptyUsers } = fixture;
  const params = fixture.params ?? {};
  const fitOpts = (seed: number) => ({ seed, maxEpochs: fixture.maxEpochs ?? 2 });
  const nUsers = data.train.nUsers;
  const nItems = data.train.nItems;
  const test = (c: ContractCase, fn: () => Promise<void> | void): void => {
    const gap = gaps[c];
    if (gap !== undefined) it.skip(`${c} (known gap: ${gap})`, fn);
    else it(c, fn);
  };

  describe(`model contract: ${name}${fixture.label ? ` (${fixture.label})` : ''}`, () => {
    let model: Recommender;
    let scores: Float32Array;
    const dirs: string[] = [];

    beforeAll(async () => {
      model = createModel(name, params);
      await model.fit(data, fitOpts(7));
      scores = allScores(model, nUsers);
    });
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    test('fit', async () => {
      const m = createModel(name, params);
      expect(m.name).toBe(name);
      expect(m.fitted).toBe(false);
      const epochs: number[] = [];
      const rep = await m.fit(data, {
        ...fitOpts(7),
        onEpochEnd: (info) => {
          epochs.push(info.epoch);
          return 'continue';
        },
      });
      expect(m.fitted).toBe(true);
      expect(m.nItems).toBe(nItems);
      expect(rep.epochs).toBeGreaterThanOrEqual(1);
      expect(rep.epochs).toBeLessThanOrEqual(fixture.maxEpochs ?? 2);
      expect(epochs).toEqual(Array.from({ length: rep.epochs }, (_, k) => k + 1));
      expect(rep.losses.length).toBe(rep.epochs);
      expect(rep.trainSeconds).toBeGreaterThanOrEqual(0);
      if (getModel(name).iterative) {
        // The runner stops training through onEpochEnd.
        const stopped = await createModel(name, params).fit(data, {
          seed: 7,
          maxEpochs: 5,
          onEpochEnd: () => 'stop',
        });
        expect(stopped.epochs).toBe(1);
      }
    });

    test('scores', () => {
      expect(scores.length).toBe(nUsers * nItems);
      expectFinite(scores, 'scoreBatch');
      // A batch scores each user as a batch of one does.
      const one = new Float32Array(nItems);
      for (const u of [0, 5, nUsers - 1]) {
        model.scoreBatch(Int32Array.of(u), one);
        expect(bitsEqual(one, scores.subarray(u * nItems, (u + 1) * nItems)), `user ${u}`).toBe(true);
      }
    });

    test('recommend', () => {
      for (const u of [0, 1, 2]) {
        const r = model.recommend(u, 10);
        expectRanked(r, 10, nItems);
        expect(r.items.length).toBe(10);
        // Scores are the user's scoreBatch scores, and no better item is left out.
        const row = scores.subarray(u * nItems, (u + 1) * nItems);
        for (let j = 0; j < r.items.length; j++) expect(r.scores[j]).toBe(row[r.items[j]!]);
        const worst = r.scores[r.scores.length - 1]!;
        const picked = new Set(r.items);
        for (let i = 0; i < nItems; i++) if (!picked.has(i)) expect(row[i]!).toBeLessThanOrEqual(worst);
      }
      expect(model.recommend(0, nItems + 5).items.length).toBe(nItems);
    });

    test('exclude-seen', () => {
      const t = data.train;
      for (const u of [0, 1, 2, 3]) {
        const seen = new Set(t.indices.subarray(t.indptr[u]!, t.indptr[u + 1]!));
        expect(seen.size).toBeGreaterThan(0);
        const r = model.recommend(u, nItems, { exclude: (i) => seen.has(i) });
        expectRanked(r, nItems, nItems);
        expect(r.items.length).toBe(nItems - seen.size);
        for (const i of r.items) expect(seen.has(i), `seen item ${i} recommended to ${u}`).toBe(false);
      }
    });

    test('similar-items', () => {
      let r: Ranked;
      try {
        r = model.similarItems(0, 5);
      } catch (err) {
        // A model without item similarity says so.
        expect(err).toBeInstanceOf(NotSupportedError);
        return;
      }
      for (const item of [0, 1, coldItems[0]!]) {
        r = model.similarItems(item, 5);
        expectRanked(r, 5, nItems);
        expect(Array.from(r.items)).not.toContain(item);
      }
    });

    test('kernel', () => {
      // The server serves only models with user and item vectors scored by a dot product.
      if (getModel(name).servable) expect(model.scoringKernel?.().kind).toBe('dot');
      if (!model.scoringKernel) return;
      const kernel = model.scoringKernel();
      expect(kernel.nItems).toBe(nItems);
      const users = Int32Array.from([0, 1, ...emptyUsers]);
      const out = new Float32Array(users.length * nItems);
      kernelScorer(kernel)(users, out);
      expectFinite(out, 'kernel scores');
      // The kernel may leave out a per-user constant (user and global biases), nothing else.
      for (let b = 0; b < users.length; b++) {
        const row = scores.subarray(users[b]! * nItems, (users[b]! + 1) * nItems);
        const c = row[0]! - out[b * nItems]!;
        let scale = 1;
        for (const v of row) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < nItems; i++) {
          expect(Math.abs(row[i]! - out[b * nItems + i]! - c)).toBeLessThan(1e-5 * scale);
        }
      }
    });

    test('save-load', async () => {
      const dir = await mkdtemp(join(tmpdir(), `fusionrec-contract-${name}-`));
      dirs.push(dir);
      await model.save(dir);
      const back = await loadModel(dir, data.fingerprint);
      expect(back.name).toBe(name);
      expect(back.fitted).toBe(true);
      expect(back.nItems).toBe(nItems);
      expect(back.params).toEqual(model.params);
      expect(bitsEqual(allScores(back, nUsers), scores)).toBe(true);
      expect(back.recommend(3, 10)).toEqual(model.recommend(3, 10));
      let similar: Ranked | undefined;
      try {
        similar = model.similarItems(1, 5);
      } catch {
        similar = undefined;
      }
      if (similar) expect(back.similarItems(1, 5)).toEqual(similar);
      await expect(loadModel(dir, 'another-dataset')).rejects.toThrow(MismatchError);
      // Serving loads without a fingerprint and scores through the kernel: the same tables.
      const served = await loadModel(dir);
      if (model.scoringKernel) {
        expect(served.scoringKernel, 'the loaded model has a kernel').toBeDefined();
        const users = Int32Array.from([0, 1, ...emptyUsers]);
        const a = new Float32Array(users.length * nItems);
        const b = new Float32Array(users.length * nItems);
        kernelScorer(model.scoringKernel())(users, a);
        kernelScorer(served.scoringKernel!())(users, b);
        expect(bitsEqual(a, b)).toBe(true);
      }
    });

    test('same-seed', async () => {
      const again = createModel(name, params);
      await again.fit(data, fitOpts(7));
      expect(bitsEqual(allScores(again, nUsers), scores)).toBe(true);
      if (getModel(name).iterative) {
        // The seed is used: another seed gives other numbers.
        const other = createModel(name, params);
        await other.fit(data, fitOpts(8));
        expect(bitsEqual(allScores(other, nUsers), scores)).toBe(false);
      }
    });

    test('unknown-param', () => {
      const valid = Object.keys(createModel(name, {}).params);
      let caught: unknown;
      try {
        createModel(name, { ...params, notAParameter: 1 });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      const msg = (caught as Error).message;
      expect(msg).toContain('notAParameter');
      for (const key of valid) expect(msg, `the error lists "${key}"`).toContain(key);
    });

    test('out-of-range-param', () => {
      const bad = fixture.outOfRange;
      if (!bad) return;
      let caught: unknown;
      try {
        createModel(name, { ...params, [bad.param]: bad.value });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as Error).message).toContain(`"${bad.param}"`);
      expect((caught as Error).message).toContain(bad.range);
    });

    test('non-finite-param', () => {
      const defaults = createModel(name, {}).params;
      for (const [key, v] of Object.entries(defaults)) {
        if (typeof v !== 'number') continue;
        for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 'abc']) {
          expect(() => createModel(name, { [key]: value }), `${key}=${String(value)}`).toThrow(
            InvalidArgumentError,
          );
          expect(() => createModel(name, { [key]: value })).toThrow(`"${key}"`);
        }
      }
    });

    test('numeric-string-param', () => {
      // Numbers given as numeric strings (a query string, a form) mean the same numbers.
      const defaults = createModel(name, {}).params;
      for (const [key, v] of Object.entries(defaults)) {
        if (typeof v !== 'number') continue;
        expect(createModel(name, { [key]: String(v) }).params[key], key).toBe(v);
      }
    });

    test('cold-items', () => {
      expect(coldItems.length).toBeGreaterThan(0);
      for (let u = 0; u < nUsers; u++) {
        for (const i of coldItems) {
          const v = scores[u * nItems + i]!;
          if (!Number.isFinite(v)) expect.fail(`user ${u}, cold item ${i}: score ${v}`);
        }
      }
      for (const i of coldItems.slice(0, 3)) {
        try {
          expectRanked(model.similarItems(i, 5), 5, nItems);
        } catch (err) {
          if (!(err instanceof NotSupportedError)) throw err;
        }
      }
    });

    test('bad-arguments', () => {
      const userIndependent = model.scoringKernel?.().kind === 'item-scores';
      const bad = (fn: () => unknown, what: string): void => {
        expect(fn, what).toThrow(InvalidArgumentError);
      };
      if (!userIndependent) {
        for (const u of [nUsers, -1, 1.5]) bad(() => model.recommend(u, 3), `recommend(${u})`);
        bad(() => model.scoreBatch(Int32Array.of(0, nUsers), new Float32Array(2 * nItems)), 'scoreBatch');
      }
      bad(() => model.recommend(0, -1), 'recommend(0, -1)');
      bad(() => model.scoreBatch(Int32Array.of(0, 1), new Float32Array(nItems)), 'scoreBatch, short output');
      let similar = true;
      try {
        model.similarItems(0, 1);
      } catch (err) {
        if (!(err instanceof NotSupportedError)) throw err;
        similar = false;
      }
      if (similar) {
        for (const i of [nItems, -1]) bad(() => model.similarItems(i, 3), `similarItems(${i})`);
        bad(() => model.similarItems(0, -1), 'similarItems(0, -1)');
      }
      // Nothing above changed what the model answers.
      expect(bitsEqual(allScores(model, nUsers), scores)).toBe(true);
    });

    test('empty-users', () => {
      for (const u of emptyUsers) {
        expect(data.train.indptr[u + 1]).toBe(data.train.indptr[u]);
        expectFinite(scores.subarray(u * nItems, (u + 1) * nItems), `empty user ${u}`);
        const r = model.recommend(u, 5);
        expectRanked(r, 5, nItems);
      }
    });
  });
}
