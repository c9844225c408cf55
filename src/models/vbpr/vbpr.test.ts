import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { type FeatureModality, makeModality } from '../../modalities/modality.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from '../recommender.js';
import { createModel, loadModel } from '../registry.js';
import { coldPrecision, N_ITEMS, topicInteractions, topicText } from '../testing/topics.js';
import { buildItemFeatures, selectModalities } from './features.js';
import { Vbpr } from './vbpr.js';

const nItems = N_ITEMS;

/** The shared topic world (models/testing/topics): "text" reveals the topic, "noise" is noise. */
function synthetic(seed: number): TrainingData {
  const rng = new Rng(seed);
  const train = topicInteractions(rng);
  const dim = 6;
  const text = makeModality('text', nItems, dim, topicText(rng, dim), 'synthetic');
  const noise = makeModality(
    'noise',
    nItems,
    3,
    Float32Array.from({ length: nItems * 3 }, () => rng.normal()),
    'x',
  );
  return { train, modalities: [text, noise], fingerprint: 'fp-vbpr' };
}

const data = synthetic(1);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('vbpr', () => {
  it('validates parameters, listing the valid ones', () => {
    expect(() => new Vbpr({ dims: 8 })).toThrow(/Valid parameters: dim, lr, reg, batchSize.*modalities/);
    expect(() => new Vbpr({ normalize: 'max' })).toThrow(/"l2", "standard", "none"/);
    expect(() => new Vbpr({ modalities: 3 })).toThrow(InvalidArgumentError);
    expect(new Vbpr().params).toMatchObject({
      dim: 64,
      lr: 0.001,
      reg: 1e-4,
      batchSize: 2048,
      modalities: 'all',
    });
  });

  it('needs a modality, and lists the available ones when a requested name is missing', async () => {
    const bare = { ...data, modalities: [] };
    await expect(new Vbpr({ dim: 4 }).fit(bare, { seed: 1, maxEpochs: 1 })).rejects.toThrow(
      'vbpr needs at least one item modality; attach one with --modality name=file.npy',
    );
    await expect(new Vbpr({ modalities: 'image' }).fit(data, { seed: 1, maxEpochs: 1 })).rejects.toThrow(
      /modality "image" is not attached; available modalities: text, noise/,
    );
    expect(selectModalities('vbpr', data.modalities, 'noise, text').map((m) => m.name)).toEqual([
      'noise',
      'text',
    ]);
  });

  it('normalises each modality block (l2, standard; missing rows stay zero)', () => {
    const m: FeatureModality = makeModality(
      'a',
      3,
      2,
      Float32Array.of(3, 4, 0, 0, 1, 1),
      'x',
      Uint8Array.of(1, 0, 1),
    );
    const l2 = buildItemFeatures([m], 3, 'l2');
    expect(Array.from(l2.data)).toEqual([0.6, 0.8, 0, 0, Math.SQRT1_2, Math.SQRT1_2].map(Math.fround));
    const st = buildItemFeatures([m, m], 3, 'standard');
    expect(st.dim).toBe(4);
    // Column 0 over present items {3, 1}: mean 2, std 1, then / √2.
    expect(st.data[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(st.data[8]).toBeCloseTo(-Math.SQRT1_2, 6);
    expect(Array.from(st.data.subarray(4, 8))).toEqual([0, 0, 0, 0]);
  });

  it('decreases its loss, and ranks cold items from content where BPR cannot', async () => {
    const vbpr = createModel('vbpr', { dim: 8, lr: 0.01, batchSize: 64, modalities: 'text' });
    const rep = await vbpr.fit(data, { seed: 3, maxEpochs: 30 });
    expect(rep.losses[0]!).toBeCloseTo(Math.LN2, 1);
    expect(rep.losses[29]!).toBeLessThan(rep.losses[0]! * 0.6);
    const bpr = createModel('bpr', { dim: 8, lr: 0.01, batchSize: 64 });
    await bpr.fit(data, { seed: 3, maxEpochs: 30 });
    const pv = coldPrecision(vbpr);
    const pb = coldPrecision(bpr);
    expect(pv).toBeGreaterThan(0.8);
    expect(pv).toBeGreaterThan(pb + 0.4);
  });

  it('explains items by part and scores a new item from its content, also after save/load', async () => {
    const m = new Vbpr({ dim: 8, lr: 0.01, batchSize: 64 });
    await m.fit(data, { seed: 2, maxEpochs: 4 });
    const k = m.scoringKernel();
    if (k.kind !== 'dot') throw new Error('expected a dot kernel');
    const cold = nItems - 3;
    for (const item of [1, cold]) {
      const parts = m.explainItem(item);
      expect(parts.map((p) => p.name)).toEqual(['collaborative', 'text', 'noise', 'bias']);
      for (let j = 0; j < k.dim; j++) {
        expect(parts.reduce((s, p) => s + p.vector[j]!, 0)).toBeCloseTo(k.itemFactors[item * k.dim + j]!, 4);
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'vbpr-explain-'));
    dirs.push(dir);
    await m.save(dir);
    const back = (await loadModel(dir)) as Vbpr;
    expect(back.explainItem(cold)).toEqual(m.explainItem(cold));
    const row = (name: string) => {
      const mod = data.modalities.find((x) => x.name === name)!;
      return mod.data.slice(cold * mod.dim, (cold + 1) * mod.dim);
    };
    const v = back.contentItemVector({ text: row('text'), noise: row('noise') });
    for (let j = 0; j < k.dim; j++) expect(v[j]).toBeCloseTo(k.itemFactors[cold * k.dim + j]!, 4);
    expect(() => back.contentItemVector({ text: new Float32Array(1) })).toThrow(/expects 6/);
  });

  it('is deterministic: same seed, identical scores; another seed differs', async () => {
    const scores = async (seed: number): Promise<number[]> => {
      const m = new Vbpr({ dim: 4, batchSize: 50, normalize: 'standard' });
      await m.fit(data, { seed, maxEpochs: 3 });
      const out = new Float32Array(2 * nItems);
      m.scoreBatch(Int32Array.of(0, 79), out);
      return Array.from(out);
    };
    const a = await scores(11);
    expect(await scores(11)).toEqual(a);
    expect(await scores(12)).not.toEqual(a);
  });

  it('saves and loads (through the registry) to identical scores, without the features', async () => {
    const m = new Vbpr({ dim: 4, batchSize: 64, lr: 0.01 });
    await m.fit(data, { seed: 5, maxEpochs: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'vbpr-'));
    dirs.push(dir);
    await m.save(dir);
    const loaded = await loadModel(dir, 'fp-vbpr');
    expect(loaded).toBeInstanceOf(Vbpr);
    expect(loaded.params).toEqual(m.params);
    const users = Int32Array.of(0, 3, 79);
    const a = new Float32Array(users.length * nItems);
    const b = new Float32Array(users.length * nItems);
    m.scoreBatch(users, a);
    loaded.scoreBatch(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(loaded.similarItems(2, 5)).toEqual(m.similarItems(2, 5));
    await expect(loadModel(dir, 'other')).rejects.toThrow(/trained on dataset/);
  });
});
