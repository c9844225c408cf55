/**
 * @module serve/retention.test
 * The retention run on an engine: nothing without an age; with one, old feedback aggregated (the
 * popular list keeps its order and counts, from the aggregates after the reload) or deleted.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../store/open.js';
import type { StoredItem } from '../store/types.js';
import { Engine } from './engine/engine.js';
import { SETTINGS } from './engine/operator-state.js';
import { runRetention } from './retention.js';

const item = (id: string): StoredItem => ({
  id,
  text: { title: id },
  categories: [],
  labels: [],
  attributes: {},
  timestamp: 0,
  hidden: false,
  modalities: {},
});

async function setup() {
  const store = await openStore('sqlite::memory:');
  await store.upsertItems([item('a'), item('b')]);
  // a: 1 click, b: 2 clicks
  await store.insertFeedback([
    { user: 'u1', item: 'a', type: 'click', value: 1, timestamp: 1 },
    { user: 'u1', item: 'b', type: 'click', value: 1, timestamp: 1 },
    { user: 'u2', item: 'b', type: 'click', value: 1, timestamp: 1 },
  ]);
  const engine = await Engine.open(store, { log: () => {} });
  return { store, engine };
}

describe('runRetention', () => {
  it('does nothing without an age, aggregates old feedback with one', async () => {
    const { store, engine } = await setup();
    try {
      expect(await runRetention(engine)).toBeUndefined();
      // an age of one day, run "two days later"
      const later = Date.now() / 1000 + 2 * 86_400;
      expect(await runRetention(engine, { days: 1 }, later)).toEqual({ feedback: 3, requestLogs: 0 });
      expect((await store.counts()).feedback).toBe(0);
      const r = engine.recommend('u3', { n: 2 });
      expect(r.items.map((i) => [i.id, i.score])).toEqual([
        ['b', 2],
        ['a', 1],
      ]);
      expect(engine.catalog.user('u1')?.seen.size ?? 0).toBe(0);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('deletes without aggregating in delete mode, reading the stored setting', async () => {
    const { store, engine } = await setup();
    try {
      await store.setMeta(SETTINGS.retentionDays, 1);
      await store.setMeta(SETTINGS.retentionMode, 'delete');
      expect(await runRetention(engine, {}, Date.now() / 1000 + 1000)).toEqual({
        feedback: 0,
        requestLogs: 0,
      });
      expect((await runRetention(engine, {}, Date.now() / 1000 + 2 * 86_400))?.feedback).toBe(3);
      expect(await store.feedbackAggregates()).toEqual([]);
      expect(engine.recommend('u3', { n: 2 }).items.map((i) => i.score)).toEqual([0, 0]);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
