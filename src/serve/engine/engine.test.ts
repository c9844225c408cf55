import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import type { Store, StoredFeedback, StoredItem } from '../../store/types.js';
import { Rng } from '../../util/rng.js';
import { META } from '../content/encoders.js';
import { trainVersion } from '../train/train.js';
import { Engine } from './engine.js';

const GROUPS = ['jazz', 'rock', 'folk', 'ambient'];
const WORDS: Record<string, string[]> = {
  jazz: ['saxophone', 'swing', 'bebop', 'trumpet'],
  rock: ['guitar', 'drums', 'riff', 'amplifier'],
  folk: ['banjo', 'fiddle', 'ballad', 'acoustic'],
  ambient: ['drone', 'texture', 'calm', 'synth'],
};

function items(n: number): StoredItem[] {
  return Array.from({ length: n }, (_, i) => {
    const g = GROUPS[i % GROUPS.length]!;
    return {
      id: `i${i}`,
      text: { title: `${g} track ${i}`, description: `${WORDS[g]!.join(' ')} number ${i}` },
      categories: [g],
      labels: [],
      attributes: {},
      timestamp: 1000 + i,
      hidden: false,
      modalities: {},
    };
  });
}

/** Users who like one group each, with some noise. */
function feedback(nUsers: number, nItems: number, seed: number): StoredFeedback[] {
  const rng = new Rng(seed);
  const out: StoredFeedback[] = [];
  for (let u = 0; u < nUsers; u++) {
    const g = u % GROUPS.length;
    for (let k = 0; k < 8; k++) {
      const i = rng.next() < 0.9 ? g + GROUPS.length * rng.int(nItems / GROUPS.length) : rng.int(nItems);
      out.push({ user: `u${u}`, item: `i${i}`, type: 'click', value: 1, timestamp: 2000 + k });
    }
  }
  return out;
}

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  await store.setMeta(META.encoders, { text: { name: 'builtin', options: { dim: 128 } } });
});
afterEach(async () => {
  await store.close();
});

describe('Engine without a model', () => {
  it('falls back to popular, then latest, excluding seen and hidden items', async () => {
    const engine = await Engine.open(store);
    const its = items(6);
    its[5]!.hidden = true;
    const r = await engine.upsertItems(its);
    expect(r).toMatchObject({ inserted: 6, updated: 0, encoded: { text: 6 } });
    let rec = engine.recommend('nobody', { n: 3 });
    expect(rec).toMatchObject({ source: 'latest', model: null });
    expect(rec.items.map((i) => i.id)).toEqual(['i4', 'i3', 'i2']);
    await engine.addFeedback([
      { user: 'a', item: 'i1', type: 'click', value: 1, timestamp: 1 },
      { user: 'b', item: 'i1', type: 'click', value: 1, timestamp: 1 },
      { user: 'b', item: 'i2', type: 'click', value: 1, timestamp: 1 },
    ]);
    rec = engine.recommend('nobody', { n: 4 });
    expect(rec.source).toBe('popular');
    expect(rec.items.map((i) => i.id)).toEqual(['i1', 'i2', 'i4', 'i3']);
    rec = engine.recommend('b', { n: 10 });
    expect(rec.items.map((i) => i.id)).toEqual(['i4', 'i3', 'i0']);
    rec = engine.recommend('b', { n: 10, excludeSeen: false, offset: 1 });
    expect(rec.items.map((i) => i.id)).toEqual(['i2', 'i4', 'i3', 'i0']);
    expect(engine.recommend('x', { n: 10, category: 'rock' }).items.map((i) => i.id)).toEqual(['i1']);
    await engine.close();
  });

  it('finds items by text and similar items by content', async () => {
    const engine = await Engine.open(store);
    await engine.upsertItems(items(16));
    const hits = await engine.search({ text: 'banjo fiddle', n: 4, modality: 'any' });
    expect(hits.length).toBe(4);
    for (const h of hits) {
      expect(h.modality).toBe('text');
      expect(Number(h.id.slice(1)) % 4).toBe(2); // folk
    }
    const sim = await engine.similar('i0', { n: 3 });
    expect(sim.source).toBe('content');
    for (const s of sim.items) expect(Number(s.id.slice(1)) % 4).toBe(0);
    await expect(engine.similar('zzz', { n: 3 })).rejects.toThrow(NotFoundError);
    await engine.close();
  });
});

describe('Engine with a trained model', () => {
  it('serves the model, folds feedback in at once, and swaps versions atomically', async () => {
    const engine = await Engine.open(store);
    await engine.upsertItems(items(40));
    await engine.addFeedback(feedback(60, 40, 3));
    const out = await trainVersion(store, {
      model: 'bpr',
      params: { dim: 16, lr: 0.05, batchSize: 64 },
      epochs: 30,
      patience: 5,
      seed: 1,
    });
    expect(out.report.epochs).not.toHaveLength(0);
    expect(Object.keys(out.metrics)).toContain('recall@50');
    await engine.activate(out.version, { dataTime: out.dataTime });
    const rec = engine.recommend('u1', { n: 5, explain: true });
    expect(rec).toMatchObject({ source: 'model', model: { name: 'bpr', version: out.version } });
    // rock fan: mostly rock items; explanation is all collaborative and sums to the score
    const rock = rec.items.filter((i) => Number(i.id.slice(1)) % 4 === 1).length;
    expect(rock).toBeGreaterThanOrEqual(3);
    for (const it of rec.items) {
      const e = it.explanation!;
      expect(e.collaborative + e.bias).toBeCloseTo(it.score, 4);
      expect(e.modalities).toEqual({});
    }
    // seen items are excluded
    const seen = new Set((await store.userFeedback('u1')).map((f) => f.item));
    for (const it of rec.items) expect(seen.has(it.id)).toBe(false);

    // a new user with ambient clicks gets a folded-in vector on the very next request
    const before = engine.recommend('newbie', { n: 5 });
    expect(before.source).toBe('popular');
    await engine.addFeedback(
      [3, 7, 11, 15].map((i) => ({ user: 'newbie', item: `i${i}`, type: 'click', value: 1, timestamp: 5 })),
    );
    const after = engine.recommend('newbie', { n: 5 });
    expect(after.source).toBe('model');
    const ambient = after.items.filter((i) => Number(i.id.slice(1)) % 4 === 3).length;
    expect(ambient).toBeGreaterThanOrEqual(3);

    // a known user's list changes after new feedback
    const u2before = engine.recommend('u2', { n: 10 }).items.map((i) => i.id);
    await engine.addFeedback([{ user: 'u2', item: u2before[0]!, type: 'click', value: 1, timestamp: 9 }]);
    const u2after = engine.recommend('u2', { n: 10 }).items.map((i) => i.id);
    expect(u2after).not.toContain(u2before[0]);
    expect(u2after).not.toEqual(u2before);

    // session recommendations: anonymous, nothing stored
    const users = (await store.counts()).users;
    const sess = engine.sessionRecommend([{ item: 'i0', type: 'click' }, { item: 'i4' }], { n: 5 });
    expect(sess.user).toBeNull();
    expect(sess.items.map((i) => i.id)).not.toContain('i0');
    expect((await store.counts()).users).toBe(users);

    // similar items come from the model's item vectors
    const sim = await engine.similar('i8', { n: 3 });
    expect(sim.source).toBe('model');
    expect(sim.items.map((i) => i.id)).not.toContain('i8');

    // a second version swaps in; the snapshot a request took stays whole
    const v2 = await trainVersion(store, {
      model: 'bpr',
      params: { dim: 8 },
      epochs: 3,
      patience: 1,
      seed: 2,
    });
    const old = engine.active!;
    await engine.activate(v2.version);
    expect(engine.active!.version).toBe(v2.version);
    expect(old.dim).toBe(16);
    expect(engine.active!.dim).toBe(8);
    expect(await store.activeModelVersion()).toBe(v2.version);

    // deleting a user forgets them everywhere
    await engine.deleteUser('u1');
    expect(engine.recommend('u1', { n: 3 }).source).not.toBe('model');
    await engine.close();
  });

  it('gives new items a VBPR vector from their text at once, and explains by modality', async () => {
    const engine = await Engine.open(store);
    await engine.upsertItems(items(40));
    await engine.addFeedback(feedback(60, 40, 7));
    const out = await trainVersion(store, {
      model: 'vbpr',
      params: { dim: 8, lr: 0.05, batchSize: 64 },
      epochs: 10,
      patience: 3,
      seed: 3,
    });
    await engine.activate(out.version);
    const rec = engine.recommend('u1', { n: 3, explain: true });
    expect(rec.source).toBe('model');
    for (const it of rec.items) {
      const e = it.explanation!;
      expect(Object.keys(e.modalities)).toContain('text');
      const sum = e.collaborative + e.bias + Object.values(e.modalities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(it.score, 4);
    }
    await engine.upsertItems([{ ...items(2)[1]!, id: 'fresh', categories: ['fresh'] }]);
    const fresh = engine.recommend('u1', { n: 3, category: 'fresh', explain: true });
    expect(fresh.source).toBe('model');
    expect(fresh.items.map((i) => i.id)).toEqual(['fresh']);
    expect(fresh.items[0]!.explanation!.modalities.content).toBeCloseTo(fresh.items[0]!.score, 4);
    await engine.close();
  });

  it("refuses to store a version of a model it cannot serve, and stores fusion's learned weights", async () => {
    const engine = await Engine.open(store);
    await engine.upsertItems(items(40));
    await engine.addFeedback(feedback(60, 40, 4));
    const before = (await store.listModelVersions()).length;
    await expect(trainVersion(store, { model: 'popularity', epochs: 1 })).rejects.toThrow(/cannot be served/);
    expect((await store.listModelVersions()).length).toBe(before);
    const out = await trainVersion(store, {
      model: 'fusion',
      params: { dim: 8, lr: 0.05, batchSize: 64 },
      epochs: 3,
      patience: 1,
      seed: 4,
    });
    expect(Object.keys(out.report.modalityWeights as Record<string, number>)).toContain('text');
    await engine.close();
  });

  it('reloads the active version and persisted fold-ins after a restart', async () => {
    const engine = await Engine.open(store);
    await engine.upsertItems(items(20));
    await engine.addFeedback(feedback(30, 20, 5));
    const out = await trainVersion(store, { model: 'bpr', params: { dim: 8 }, epochs: 4, activate: true });
    await engine.activate(out.version);
    await engine.addFeedback([{ user: 'late', item: 'i2', type: 'click', value: 1, timestamp: 1 }]);
    const list = engine.recommend('late', { n: 5 }).items.map((i) => i.id);
    await engine.close();
    const again = await Engine.open(store);
    expect(again.active?.version).toBe(out.version);
    expect(again.recommend('late', { n: 5 }).items.map((i) => i.id)).toEqual(list);
    await again.close();
  });
});
