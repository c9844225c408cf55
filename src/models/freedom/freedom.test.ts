import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { makeModality } from '../../modalities/modality.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from '../recommender.js';
import { createModel, loadModel } from '../registry.js';
import {
  coldPrecision,
  N_ITEMS,
  N_USERS,
  TOPICS,
  topicInteractions,
  topicOf,
  topicText,
  WARM,
} from '../testing/topics.js';
import { Freedom } from './freedom.js';
import { modalityWeights } from './params.js';
import { FreedomTeam } from './team.js';

const nItems = N_ITEMS;
const nUsers = N_USERS;

/** The shared topic world (models/testing/topics): "text" reveals the topic; "audio" is noise and misses item 7. */
function synthetic(seed: number): TrainingData {
  const rng = new Rng(seed);
  const train = topicInteractions(rng);
  const dim = 6;
  const text = makeModality('text', nItems, dim, topicText(rng, dim), 'synthetic');
  const present = new Uint8Array(nItems).fill(1);
  present[7] = 0;
  const audioData = Float32Array.from({ length: nItems * 3 }, () => rng.normal());
  audioData.fill(0, 21, 24);
  const audio = makeModality('audio', nItems, 3, audioData, 'noise', present);
  return { train, modalities: [text, audio], fingerprint: 'fp-freedom' };
}

const data = synthetic(1);
const small = { dim: 16, lr: 0.01, batchSize: 128, knnK: 5 };

async function trained(params: Record<string, unknown>, epochs: number, seed = 3) {
  const m = new Freedom({ ...small, ...params });
  const report = await m.fit(data, { seed, maxEpochs: epochs });
  return { m, report };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('Freedom parameters', () => {
  it('has MMRec defaults and rejects unknown or out-of-range parameters with the valid list', () => {
    expect(new Freedom().params).toMatchObject({
      dim: 64,
      knnK: 10,
      mmLayers: 1,
      uiLayers: 2,
      lr: 0.001,
      batchSize: 2048,
      normalize: 'none',
      modalities: 'all',
      weights: 'auto',
    });
    expect(() => new Freedom({ knn: 5 })).toThrow(/unknown parameter "knn".*knnK/);
    expect(() => new Freedom({ dropout: 1 })).toThrow(InvalidArgumentError);
    expect(() => new Freedom({ reg: -1 })).toThrow(/reg/);
    expect(() => new Freedom({ weights: 'text:1' })).toThrow(/weights/);
    expect(() => new Freedom({ modalities: '' })).toThrow(/modalities/);
  });

  it('weighs the item-item graphs as MMRec by default and as given otherwise', () => {
    expect(modalityWeights('auto', ['text', 'audio'])).toEqual([0.9, 0.1]);
    expect(modalityWeights('auto', ['audio', 'text', 'image'])).toEqual([0.05, 0.9, 0.05]);
    expect(modalityWeights('auto', ['audio', 'image'])).toEqual([0.5, 0.5]);
    expect(modalityWeights('text=3,audio=1', ['text', 'audio'])).toEqual([0.75, 0.25]);
    expect(() => modalityWeights('text=1', ['text', 'audio'])).toThrow(/no weight for modality "audio"/);
    expect(() => modalityWeights('image=1,text=1', ['text'])).toThrow(/"image", which is not used/);
    expect(() => modalityWeights('text=0', ['text'])).toThrow(/not all be 0/);
  });

  it('needs a modality and names the missing ones', async () => {
    await expect(
      new Freedom(small).fit({ ...data, modalities: [] }, { seed: 1, maxEpochs: 1 }),
    ).rejects.toThrow(/at least one item modality/);
    await expect(
      new Freedom({ ...small, modalities: 'image' }).fit(data, { seed: 1, maxEpochs: 1 }),
    ).rejects.toThrow(/"image" is not attached; available modalities: text, audio/);
  });
});

describe('Freedom', () => {
  it('lowers the loss, learns the topics and ranks cold items from content', async () => {
    const { m, report } = await trained({ reg: 0.01, coldItems: 'content' }, 30);
    expect(report.epochs).toBe(30);
    expect(report.losses[29]!).toBeLessThan(0.6 * report.losses[0]!);
    const top = m.recommend(0, 10, { exclude: (i) => data.train.has(0, i) || i >= WARM });
    expect(Array.from(top.items).filter((i) => topicOf(i) === 0).length).toBeGreaterThanOrEqual(8);
    // Cold items: 4 topics, so chance is 0.25.
    expect(coldPrecision(m)).toBeGreaterThan(0.8);
  });

  it("scores cold items as the mean of their warm neighbours' rows with coldItems 'neighbours'", async () => {
    const { m } = await trained({ coldItems: 'neighbours' }, 20);
    expect(coldPrecision(m)).toBeGreaterThan(0.8);
    const kernel = m.scoringKernel();
    if (kernel.kind !== 'dot') throw new Error('expected a dot kernel');
    // Cold items' rows are as large as warm ones' (they compete with warm items in a ranking).
    const norm = (i: number) => Math.hypot(...kernel.itemFactors.subarray(i * 16, (i + 1) * 16));
    let warmNorm = 0;
    let coldNorm = 0;
    for (let i = 0; i < WARM; i++) warmNorm += norm(i) / WARM;
    for (let i = WARM; i < nItems; i++) coldNorm += norm(i) / (nItems - WARM);
    expect(coldNorm).toBeGreaterThan(0.5 * warmNorm);
    // Explanations: no collaborative part for a cold item, the parts still sum to its row.
    const parts = m.explainItem(WARM + 2);
    for (let j = 0; j < 16; j++) {
      expect(parts[0]!.vector[j]).toBeCloseTo(0, 6);
      expect(parts[1]!.vector[j]! + parts[2]!.vector[j]!).toBeCloseTo(
        kernel.itemFactors[(WARM + 2) * 16 + j]!,
        6,
      );
    }
    // A new item like topic 1 scores like topic-1 items.
    const raw = new Float32Array(6);
    raw[1] = 2;
    const v = m.contentItemVector({ text: raw });
    let dot = 0;
    for (let j = 0; j < 16; j++) dot += v[j]! * kernel.itemFactors[1 * 16 + j]!;
    expect(dot).toBeGreaterThan(0);
  });

  it('gives the same numbers for the same seed and on 1 and 2 threads', async () => {
    const a = await trained({ reg: 0.01, threads: 1 }, 3);
    const b = await trained({ reg: 0.01, threads: 2 }, 3);
    const c = await trained({ reg: 0.01, threads: 2 }, 3);
    expect(b.report.losses).toEqual(a.report.losses);
    expect(b.m.scoringKernel()).toEqual(a.m.scoringKernel());
    expect(c.m.scoringKernel()).toEqual(b.m.scoringKernel());
    const d = await trained({ reg: 0.01, threads: 2 }, 3, 4);
    expect(d.m.scoringKernel()).not.toEqual(b.m.scoringKernel());
  });

  it('stops its threads when fit fails', async () => {
    const close = vi.spyOn(FreedomTeam.prototype, 'close');
    await expect(
      new Freedom(small).fit(data, {
        seed: 1,
        onEpochEnd: () => {
          throw new Error('evaluation failed');
        },
      }),
    ).rejects.toThrow('evaluation failed');
    expect(close).toHaveBeenCalledTimes(1);
    close.mockRestore();
  });

  it('explains an item as collaborative + one part per modality, summing to its scoring row', async () => {
    const { m } = await trained({}, 3);
    const kernel = m.scoringKernel();
    if (kernel.kind !== 'dot') throw new Error('expected a dot kernel');
    for (const item of [0, 7, WARM + 1]) {
      const parts = m.explainItem(item);
      expect(parts.map((p) => p.name)).toEqual(['collaborative', 'text', 'audio']);
      for (let j = 0; j < 16; j++) {
        const sum = parts.reduce((s, p) => s + p.vector[j]!, 0);
        expect(sum).toBeCloseTo(kernel.itemFactors[item * 16 + j]!, 6);
      }
    }
    // Item 7 has no audio: no audio neighbours, so no audio part.
    expect(m.explainItem(7)[2]!.vector.every((x) => x === 0)).toBe(true);
    expect(() => m.explainItem(nItems)).toThrow(/out of range/);
  });

  it('scores a new item from its raw features like its content neighbours', async () => {
    const { m } = await trained({ coldItems: 'content' }, 20);
    // A new item of topic 2, from the text modality only.
    const raw = new Float32Array(6);
    raw[2] = 2;
    const v = m.contentItemVector({ text: raw });
    expect(v.length).toBe(16);
    const kernel = m.scoringKernel();
    if (kernel.kind !== 'dot') throw new Error('expected a dot kernel');
    const score = (u: number, vec: Float32Array) => {
      let s = 0;
      for (let j = 0; j < 16; j++) s += kernel.userFactors[u * 16 + j]! * vec[j]!;
      return s;
    };
    // Topic-2 users (u % 4 == 2) like it more than the others.
    let own = 0;
    let other = 0;
    for (let u = 0; u < nUsers; u++) {
      if (u % TOPICS === 2) own += score(u, v) / (nUsers / TOPICS);
      else other += score(u, v) / ((nUsers * 3) / TOPICS);
    }
    expect(own).toBeGreaterThan(other);
    expect(() => m.contentItemVector({ video: raw })).toThrow(/has none of the modalities text, audio/);
    expect(() => m.contentItemVector({ text: new Float32Array(5) })).toThrow(MismatchError);
  });

  it('saves and loads the scoring tables, explanations and content scoring', async () => {
    const { m } = await trained({ normalize: 'standard', reg: 0.001, coldItems: 'neighbours' }, 2);
    const dir = await mkdtemp(join(tmpdir(), 'freedom-'));
    dirs.push(dir);
    await m.save(dir);
    const back = await Freedom.load(dir, 'fp-freedom');
    expect(back.params).toEqual(m.params);
    const users = Int32Array.of(0, 5, 79);
    const s1 = new Float32Array(3 * nItems);
    const s2 = new Float32Array(3 * nItems);
    m.scoreBatch(users, s1);
    back.scoreBatch(users, s2);
    expect(s2).toEqual(s1);
    expect(back.explainItem(3)).toEqual(m.explainItem(3));
    const raw = { text: Float32Array.of(0, 2, 0, 0.1, 0, 0), audio: Float32Array.of(1, 0, 0) };
    expect(back.contentItemVector(raw)).toEqual(m.contentItemVector(raw));
    expect((await loadModel(dir)).name).toBe('freedom');
    await expect(Freedom.load(dir, 'another-dataset')).rejects.toThrow(MismatchError);
    expect(createModel('freedom', { dim: 8 }).params).toMatchObject({ dim: 8, knnK: 10 });
  });
});
