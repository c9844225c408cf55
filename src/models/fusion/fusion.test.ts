import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { makeModality } from '../../modalities/modality.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from '../recommender.js';
import { createModel, loadModel } from '../registry.js';
import {
  coldPrecision,
  N_ITEMS,
  N_USERS,
  topicInteractions,
  topicOf,
  topicText,
  WARM,
} from '../testing/topics.js';
import { Fusion } from './fusion.js';

const nUsers = N_USERS;
const nItems = N_ITEMS;

/**
 * The shared topic world (models/testing/topics); "text" reveals the topic, "audio" reveals it for
 * even items only (missing for every third item), "noise" is noise; values look like ratings.
 */
function synthetic(seed: number): TrainingData {
  const rng = new Rng(seed);
  const train = topicInteractions(rng, (i) => 3 + (i % 3));
  const dim = 6;
  const text = topicText(rng, dim);
  const audio = new Float32Array(nItems * 4);
  const audioPresent = new Uint8Array(nItems);
  for (let i = 0; i < nItems; i++) {
    if (i % 3 !== 0) {
      audioPresent[i] = 1;
      for (let k = 0; k < 4; k++) audio[i * 4 + k] = 0.3 * rng.normal();
      audio[i * 4 + topicOf(i)]! += i % 2 === 0 ? 2 : 0;
    }
  }
  return {
    train,
    modalities: [
      makeModality('text', nItems, dim, text, 'synthetic'),
      makeModality('audio', nItems, 4, audio, 'synthetic', audioPresent),
      makeModality(
        'noise',
        nItems,
        3,
        Float32Array.from({ length: nItems * 3 }, () => rng.normal()),
        'x',
      ),
    ],
    fingerprint: 'fp-fusion',
  };
}

const data = synthetic(1);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const base = { dim: 16, lr: 0.01, batchSize: 128, dropout: 0, heads: 2, fusionLayers: 1 };

describe('fusion', () => {
  for (const fusion of ['concat', 'weighted', 'attention', 'transformer'] as const) {
    it(`${fusion}: ranks cold items by content far above chance (0.25)`, async () => {
      const m = new Fusion({ ...base, fusion });
      const report = await m.fit(data, { seed: 3, maxEpochs: 25 });
      expect(report.losses.at(-1)!).toBeLessThan(report.losses[0]!);
      expect(coldPrecision(m)).toBeGreaterThan(0.6);
    });
  }

  it('with graph layers, BCE and MSE objectives it still learns the topics', async () => {
    for (const params of [{ layers: 2 }, { loss: 'bce', negatives: 2 }]) {
      const m = new Fusion({ ...base, ...params });
      await m.fit(data, { seed: 3, maxEpochs: 25 });
      expect(coldPrecision(m), JSON.stringify(params)).toBeGreaterThan(0.5);
    }
  });

  it('edge dropout prunes the training graph each epoch: still learns, reproducible, changes the model', async () => {
    const run = async (edgeDropout: number, seed = 3) => {
      const m = new Fusion({ ...base, layers: 2, edgeDropout });
      await m.fit(data, { seed, maxEpochs: 25 });
      const s = new Float32Array(nItems);
      m.scoreBatch(Int32Array.of(7), s);
      return { m, s };
    };
    const pruned = await run(0.5);
    expect(coldPrecision(pruned.m)).toBeGreaterThan(0.5);
    expect((await run(0.5)).s).toEqual(pruned.s);
    expect((await run(0)).s).not.toEqual(pruned.s);
    expect(() => new Fusion({ edgeDropout: 1 })).toThrow(/edgeDropout/);
  });

  it('ipsBeta (inverse-propensity BPR) lowers the popularity of what it recommends', async () => {
    const counts = new Float64Array(nItems);
    for (let k = 0; k < data.train.nnz; k++) counts[data.train.indices[k]!]!++;
    const meanPop = async (ipsBeta: number): Promise<number> => {
      const m = new Fusion({ ...base, ipsBeta });
      await m.fit(data, { seed: 3, maxEpochs: 25 });
      let s = 0;
      let n = 0;
      for (let u = 0; u < nUsers; u++) {
        const seen = new Set(data.train.indices.subarray(data.train.indptr[u]!, data.train.indptr[u + 1]!));
        for (const i of m.recommend(u, 10, { exclude: (i) => seen.has(i) }).items) {
          s += counts[i]!;
          n++;
        }
      }
      return s / n;
    };
    expect(await meanPop(1)).toBeLessThan(await meanPop(0));
    expect(() => new Fusion({ ipsBeta: -1 })).toThrow(/ipsBeta/);
  });

  it('MSE fits the rating values', async () => {
    const m = new Fusion({ ...base, loss: 'mse' });
    const report = await m.fit(data, { seed: 3, maxEpochs: 30 });
    const t = data.train;
    let se = 0;
    let mean = 0;
    for (let k = 0; k < t.nnz; k++) mean += t.values[k]! / t.nnz;
    let base2 = 0;
    const s = new Float32Array(nItems);
    for (let u = 0; u < nUsers; u++) {
      m.scoreBatch(Int32Array.of(u), s);
      for (let k = t.indptr[u]!; k < t.indptr[u + 1]!; k++) {
        se += (s[t.indices[k]!]! - t.values[k]!) ** 2;
        base2 += (mean - t.values[k]!) ** 2;
      }
    }
    expect(report.losses.at(-1)!).toBeLessThan(report.losses[0]!);
    expect(Math.sqrt(se / t.nnz)).toBeLessThan(0.8 * Math.sqrt(base2 / t.nnz));
  });

  it('weighted fusion learns to weight the informative modality above noise, and reports it', async () => {
    const m = new Fusion({ ...base, fusion: 'weighted', itemId: 'off' });
    await m.fit(data, { seed: 5, maxEpochs: 30 });
    const w = m.describe().modalityWeights as Record<string, number>;
    expect(Object.keys(w).sort()).toEqual(['audio', 'noise', 'text']);
    expect(w.text!).toBeGreaterThan(w.noise!);
    expect(w.text! + w.audio! + w.noise!).toBeCloseTo(1, 3);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const run = async (seed: number) => {
      const m = new Fusion({ ...base, fusion: 'attention', dropout: 0.2, modalityDropout: 0.3, align: 0.1 });
      await m.fit(data, { seed, maxEpochs: 3 });
      const s = new Float32Array(nItems);
      m.scoreBatch(Int32Array.of(7), s);
      return s;
    };
    expect(await run(11)).toEqual(await run(11));
    expect(await run(11)).not.toEqual(await run(12));
  });

  for (const params of [
    { fusion: 'weighted', layers: 0 },
    { fusion: 'transformer', layers: 1 },
  ] as const) {
    it(`explanations (${JSON.stringify(params)}): parts sum to the item's scoring vector`, async () => {
      const m = new Fusion({ ...base, ...params });
      await m.fit(data, { seed: 2, maxEpochs: 3 });
      const kernel = m.scoringKernel();
      if (kernel.kind !== 'dot') throw new Error('expected a dot kernel');
      for (const item of [0, 5, WARM + 5]) {
        const parts = m.explainItem(item);
        expect(parts.map((p) => p.name)).toEqual(['collaborative', 'text', 'audio', 'noise', 'interaction']);
        for (let j = 0; j < kernel.dim; j++) {
          const sum = parts.reduce((s, p) => s + p.vector[j]!, 0);
          expect(sum).toBeCloseTo(kernel.itemFactors[item * kernel.dim + j]!, 4);
        }
      }
      // item 0 has no audio (0 % 3 == 0): without graph layers its audio part is zero
      const audio0 = m.explainItem(0).find((p) => p.name === 'audio')!.vector;
      if (params.layers === 0) expect(Math.max(...audio0.map(Math.abs))).toBe(0);
      // a cold item has no collaborative part
      expect(Math.max(...m.explainItem(WARM + 5)[0]!.vector.map(Math.abs))).toBe(0);
    });
  }

  it('saves and loads: same scores, same explanations, and contentItemVector reproduces a cold item', async () => {
    const m = createModel('fusion', { ...base, fusion: 'attention', modalities: 'text,audio' }) as Fusion;
    await m.fit(data, { seed: 4, maxEpochs: 5 });
    const dir = await mkdtemp(join(tmpdir(), 'fusion-'));
    dirs.push(dir);
    await m.save(dir);
    const back = (await loadModel(dir, 'fp-fusion')) as Fusion;
    const a = new Float32Array(nItems);
    const b = new Float32Array(nItems);
    m.scoreBatch(Int32Array.of(3), a);
    back.scoreBatch(Int32Array.of(3), b);
    expect(b).toEqual(a);
    expect(back.explainItem(WARM + 2)).toEqual(m.explainItem(WARM + 2));
    // a cold item's vector is its content vector: recompute it from the raw features
    const item = WARM + 2;
    const raw = (name: string) => {
      const mod = data.modalities.find((x) => x.name === name)!;
      return mod.present[item] ? mod.data.slice(item * mod.dim, (item + 1) * mod.dim) : undefined;
    };
    const v = back.contentItemVector({ text: raw('text'), audio: raw('audio') });
    const kernel = m.scoringKernel();
    if (kernel.kind !== 'dot') throw new Error('expected a dot kernel');
    for (let j = 0; j < kernel.dim; j++)
      expect(v[j]).toBeCloseTo(kernel.itemFactors[item * kernel.dim + j]!, 4);
    expect(() => back.contentItemVector({ text: new Float32Array(2) })).toThrow(/expects 6/);
  });

  it('negativeItems "warm" never shows cold items to training as negatives', async () => {
    const run = async (negativeItems: string) => {
      const m = new Fusion({ ...base, itemId: 'off', negativeItems });
      const r = await m.fit(data, { seed: 3, maxEpochs: 2 });
      return r.losses;
    };
    expect(await run('warm')).not.toEqual(await run('all'));
  });

  it('rejects bad parameters with the valid choices', () => {
    expect(() => new Fusion({ fusion: 'sum' })).toThrow(InvalidArgumentError);
    expect(() => new Fusion({ fusion: 'sum' })).toThrow(/concat.*weighted.*attention.*transformer/);
    expect(() => new Fusion({ fusion: 'transformer', dim: 10, heads: 4 })).toThrow(/divisible/);
    expect(() => new Fusion({ bogus: 1 })).toThrow(/Valid parameters/);
  });

  it('needs a modality', async () => {
    const m = new Fusion({});
    await expect(m.fit({ ...data, modalities: [] }, { seed: 1, maxEpochs: 1 })).rejects.toThrow(/modality/);
  });

  describe('towerEvery (graph layers: the item tower once per group of batches)', () => {
    type Internals = {
      state: { tower: { params: { name: string; grad?: Float32Array }[] } };
      step: (...a: unknown[]) => number;
      openGroup: (s: unknown, rng: Rng) => unknown;
      closeGroup: (s: unknown, g: unknown, adam: unknown) => number;
    };
    const noStep = { step: () => {} };
    const towerGrads = (m: Internals) => m.state.tower.params.map((p) => Float32Array.from(p.grad ?? []));
    const zero = (m: Internals) => {
      for (const p of m.state.tower.params) p.grad?.fill(0);
    };

    it('a group gives exactly the summed per-batch gradient of the tower (weights held fixed)', async () => {
      for (const fusion of ['weighted', 'concat']) {
        const m = new Fusion({ fusion, layers: 2, dim: 8, dropout: 0, towerEvery: 1, align: 0.5 });
        await m.fit(data, { seed: 1, maxEpochs: 1 });
        const x = m as unknown as Internals;
        const s = x.state;
        const batches = [
          [Int32Array.of(0, 1, 2, 3), Int32Array.of(1, 5, 9, 13), Int32Array.of(30, 31, 32, 33)],
          [Int32Array.of(4, 5, 6), Int32Array.of(2, 6, 10), Int32Array.of(40, 41, 42)],
        ] as const;
        // reference: the per-batch tower (towerEvery 1), gradients summed over the two batches
        zero(x);
        for (const [u, p, n] of batches) x.step.call(m, s, u, p, n, undefined, new Rng(9), noStep);
        const ref = towerGrads(x);
        // grouped: one tower pass, both batches' content gradients, one backward through the tower
        zero(x);
        const group = x.openGroup.call(m, s, new Rng(9)) as { batches: number };
        for (const [u, p, n] of batches) {
          x.step.call(m, s, u, p, n, undefined, new Rng(9), noStep, group);
          group.batches++;
        }
        x.closeGroup.call(m, s, group, noStep);
        const got = towerGrads(x);
        expect(got.length).toBe(ref.length);
        let maxRef = 0;
        let maxDiff = 0;
        got.forEach((g, k) => {
          g.forEach((v, j) => {
            maxRef = Math.max(maxRef, Math.abs(ref[k]![j]!));
            maxDiff = Math.max(maxDiff, Math.abs(v - ref[k]![j]!));
          });
        });
        expect(maxRef).toBeGreaterThan(1e-4);
        expect(maxDiff).toBeLessThan(1e-5 * Math.max(1, maxRef));
      }
    });

    it('once per epoch (0) still learns the topics and differs from the per-batch tower', async () => {
      const a = new Fusion({ ...base, layers: 2, towerEvery: 0 });
      const b = new Fusion({ ...base, layers: 2, towerEvery: 1 });
      await a.fit(data, { seed: 3, maxEpochs: 25 });
      await b.fit(data, { seed: 3, maxEpochs: 25 });
      expect(coldPrecision(a)).toBeGreaterThan(0.5);
      const sa = new Float32Array(nItems);
      const sb = new Float32Array(nItems);
      a.scoreBatch(Int32Array.of(7), sa);
      b.scoreBatch(Int32Array.of(7), sb);
      expect(sa).not.toEqual(sb);
    });
  });
});
