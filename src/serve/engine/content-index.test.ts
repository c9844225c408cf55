import { describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { StoredItem } from '../../store/types.js';
import { Rng } from '../../util/rng.js';
import { CatalogState } from './catalog.js';
import { ContentIndexes } from './content-index.js';

const item = (id: string): StoredItem => ({
  id,
  text: {},
  categories: [],
  labels: [],
  attributes: {},
  timestamp: 0,
  hidden: false,
  modalities: {},
});

describe('ContentIndexes over an HNSW-sized catalog', () => {
  it('answers at once from an exact scan, swaps in the graph built in slices, and keeps changes made meanwhile', async () => {
    const store = await openStore('sqlite::memory:');
    const n = 3000;
    const dim = 16;
    const items = Array.from({ length: n }, (_, k) => item(`i${k}`));
    const rng = new Rng(7);
    const rand = () => rng.nextU32() / 2 ** 32 - 0.5;
    const vectors = items.map((it) => ({
      item: it.id,
      modality: 'text',
      encoder: 'test',
      vector: Float32Array.from({ length: dim }, rand),
    }));
    await store.upsertItems(items, vectors);
    const catalog = new CatalogState([]);
    for (const it of items) catalog.upsert(it);
    const indexes = new ContentIndexes(store, catalog, { bruteBelow: 1000 });

    const q = vectors[42]!.vector;
    const first = await indexes.search('text', q, 5, () => true);
    expect(first[0]!.item).toBe(catalog.indexOf('i42')); // exact scan: the item itself first
    expect((await indexes.get('text'))!.kind).toBe('brute');

    // a change while the graph is being built: a new item equal to the query
    const fresh = catalog.upsert(item('fresh')).index;
    indexes.upsert(fresh, { text: q });
    indexes.remove(catalog.indexOf('i42')!);

    for (let k = 0; k < 400 && (await indexes.get('text'))!.kind !== 'hnsw'; k++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const graph = (await indexes.get('text'))!;
    expect(graph.kind).toBe('hnsw');
    const after = await indexes.search('text', q, 5, () => true);
    expect(after[0]!.item).toBe(fresh);
    expect(after.map((h) => h.item)).not.toContain(catalog.indexOf('i42'));
    await store.close();
  }, 60_000);
});
