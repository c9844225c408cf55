/**
 * @module serve/engine/snapshot.test
 * The item index of a version goes through the store: the first server builds and saves it, the
 * next loads it (same answers), catalog deletions still apply, and a damaged one is rebuilt.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeArtifact } from '../../models/artifact.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { ITEM_GRAM_KIND, ITEM_INDEX_KIND } from '../retrieval/persist.js';
import { syntheticFactors } from '../retrieval/synthetic.js';
import { Engine } from './engine.js';

const dim = 8;
const nItems = 600;
const nUsers = 30;

let store: Store;
let version: number;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  await store.setMeta('encoders', {});
  const { items, queries } = syntheticFactors(nItems, dim, 4);
  const users = queries(nUsers);
  const itemIds = Array.from({ length: nItems }, (_, i) => `i${i}`);
  const userIds = Array.from({ length: nUsers }, (_, u) => `u${u}`);
  await store.importAll({
    items: itemIds.map((id, i) => ({
      id,
      text: {},
      categories: [],
      labels: [],
      attributes: {},
      timestamp: i,
      hidden: false,
      modalities: {},
    })),
    vectors: [],
    users: userIds.map((id) => ({ id, labels: [], attributes: {} })),
    feedback: [],
  });
  const dir = await mkdtemp(join(tmpdir(), 'fusionrec-snapshot-test-'));
  try {
    await writeArtifact(
      dir,
      { model: 'bpr', params: { dim }, dims: { users: nUsers, items: nItems, dim }, fingerprint: 'test' },
      { userFactors: users, itemFactors: items },
    );
    const files = await Promise.all(
      (await readdir(dir)).map(async (name) => ({
        name,
        data: new Uint8Array(await readFile(join(dir, name))),
      })),
    );
    version = await store.addModelVersion({
      name: 'bpr',
      params: { dim },
      metrics: {},
      report: {},
      items: itemIds,
      users: userIds,
      files,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await store.activateModelVersion(version);
});
afterEach(async () => {
  await store.close();
});

const lists = (e: Engine) =>
  Array.from({ length: nUsers }, (_, u) => e.recommend(`u${u}`, { n: 10 }).items.map((i) => i.id));

describe('ModelSnapshot item index through the store', () => {
  it('is built and saved by the first server and loaded by the next, with the same answers', async () => {
    const first = await Engine.open(store, { index: { kind: 'hnsw' } });
    expect(first.active?.indexSource).toBe('built-and-saved');
    expect((await store.getModelIndex(version, ITEM_INDEX_KIND))?.length).toBeGreaterThan(nItems * dim * 4);
    const second = await Engine.open(store, { index: { kind: 'hnsw' } });
    expect(second.active?.indexSource).toBe('loaded');
    expect(second.active?.index.kind).toBe('hnsw');
    expect(lists(second)).toEqual(lists(first));
    // the saved Gramian is the computed one: fold-ins agree bit for bit
    expect((await store.getModelIndex(version, ITEM_GRAM_KIND))?.length).toBeGreaterThan(dim * dim * 4);
    expect(Array.from(second.active!.foldIn([3, 50, 77])!)).toEqual(
      Array.from(first.active!.foldIn([3, 50, 77])!),
    );
    await first.close();
    await second.close();
  });

  it('leaves deleted items out of a loaded index', async () => {
    await (await Engine.open(store, { index: { kind: 'hnsw' } })).close();
    const top = (await Engine.open(store, { index: { kind: 'hnsw' } })).recommend('u0', { n: 3 }).items;
    await store.deleteItem(top[0]!.id);
    const e = await Engine.open(store, { index: { kind: 'hnsw' } });
    expect(e.active?.indexSource).toBe('loaded');
    expect(e.active?.index.size).toBe(nItems - 1);
    const ids = e.recommend('u0', { n: 3 }).items.map((i) => i.id);
    expect(ids).not.toContain(top[0]!.id);
    expect(ids.slice(0, 2)).toEqual(top.slice(1).map((i) => i.id));
    await e.close();
  });

  it('rebuilds (and saves again) a damaged saved index, saying why', async () => {
    const first = await Engine.open(store, { index: { kind: 'hnsw' } });
    const good = (await store.getModelIndex(version, ITEM_INDEX_KIND))!;
    const bad = good.slice();
    bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff;
    await store.putModelIndex(version, ITEM_INDEX_KIND, bad);
    await store.putModelIndex(version, ITEM_GRAM_KIND, Uint8Array.of(1, 2, 3));
    const logged: string[] = [];
    const e = await Engine.open(store, { index: { kind: 'hnsw' }, log: (l) => logged.push(l) });
    expect(e.active?.indexSource).toBe('built-and-saved');
    expect(logged.join('\n')).toMatch(/saved item index is not usable, rebuilding it: .*checksum/);
    expect(logged.join('\n')).toMatch(/saved item Gramian is not usable, computing it/);
    expect(Array.from(e.active!.foldIn([3, 50])!)).toEqual(Array.from(first.active!.foldIn([3, 50])!));
    expect(
      Buffer.from((await store.getModelIndex(version, ITEM_INDEX_KIND))!).equals(Buffer.from(good)),
    ).toBe(true);
    expect(lists(e)).toEqual(lists(first));
    await first.close();
    await e.close();
  });

  it('keeps small catalogs on the exact scan without saving anything', async () => {
    const e = await Engine.open(store);
    expect(e.active?.index.kind).toBe('brute');
    expect(await store.getModelIndex(version, ITEM_INDEX_KIND)).toBeUndefined();
    await e.close();
  });
});
