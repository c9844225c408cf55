import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, MismatchError, NotFoundError, NotSupportedError } from '../../errors.js';
import { openStore } from '../open.js';
import type { Store, StoredItem } from '../types.js';
import { openDatabase } from './driver.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

const item = (id: string, extra: Partial<StoredItem> = {}): StoredItem => ({
  id,
  text: { title: `title of ${id}` },
  categories: ['a'],
  labels: [],
  attributes: {},
  timestamp: 100,
  hidden: false,
  modalities: {},
  ...extra,
});

let dir = '';
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-store-'));
  store = await openStore(`sqlite://${join(dir, 'x.db')}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('upserts items all-or-nothing and counts inserts and updates', async () => {
    expect(await store.upsertItems([item('i1'), item('i2')])).toEqual({ inserted: 2, updated: 0 });
    expect(await store.upsertItems([item('i2', { hidden: true }), item('i3')])).toEqual({
      inserted: 1,
      updated: 1,
    });
    expect((await store.getItem('i2'))?.hidden).toBe(true);
    // a duplicate id in the batch rejects the whole batch
    await expect(store.upsertItems([item('i4'), item('i4')])).rejects.toThrow(InvalidInputError);
    // a vector for an unknown item rejects the batch, including its items
    await expect(
      store.upsertItems(
        [item('i5')],
        [{ item: 'nope', modality: 'text', encoder: 'e', vector: new Float32Array(2) }],
      ),
    ).rejects.toThrow(NotFoundError);
    expect(await store.getItem('i5')).toBeUndefined();
    expect((await store.counts()).items).toBe(3);
  });

  it('imports a whole batch in one transaction, or nothing', async () => {
    const batch = {
      items: [item('i1'), item('i2')],
      vectors: [{ item: 'i1', modality: 'text', encoder: 'e', vector: Float32Array.of(1) }],
      users: [{ id: 'u1', labels: ['x'], attributes: {} }],
      feedback: [
        { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 1 },
        { user: 'u9', item: 'i2', type: 'like', value: 1, timestamp: 2 },
      ],
    };
    await expect(
      store.importAll({
        ...batch,
        feedback: [...batch.feedback, { user: 'u1', item: 'nope', type: 'x', value: 1, timestamp: 0 }],
      }),
    ).rejects.toThrow(/feedback\[2\]\.item/);
    expect(await store.counts()).toEqual({ items: 0, users: 0, feedback: 0 });
    expect(await store.importAll(batch)).toMatchObject({ items: 2, users: 1, feedback: 2 });
    expect(await store.counts()).toEqual({ items: 2, users: 2, feedback: 2 });
  });

  it('lists items by category, text query and modality', async () => {
    await store.upsertItems([
      item('red-1', {
        categories: ['red'],
        text: { title: 'Crimson Song' },
        modalities: { text: 'present' },
      }),
      item('blue-1', { categories: ['blue'], text: { title: 'Ocean 100%' }, modalities: { text: 'failed' } }),
      item('red-2', { categories: ['red', 'x'], text: { title: 'Other' } }),
    ]);
    expect((await store.listItems({ category: 'red' })).items.map((i) => i.id)).toEqual(['red-1', 'red-2']);
    expect((await store.listItems({ q: 'crimson' })).items.map((i) => i.id)).toEqual(['red-1']);
    expect((await store.listItems({ q: '100%' })).items.map((i) => i.id)).toEqual(['blue-1']);
    expect((await store.listItems({ q: 'RED' })).total).toBe(2);
    expect((await store.listItems({ modality: 'text' })).items.map((i) => i.id)).toEqual(['red-1']);
    const page = await store.listItems({ offset: 1, limit: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ id: 'blue-1' }] });
  });

  it('inserts feedback creating users, and rejects unknown items naming the position', async () => {
    await store.upsertItems([item('i1'), item('i2')]);
    const r = await store.insertFeedback([
      { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 10 },
      { user: 'u1', item: 'i2', type: 'like', value: 1, timestamp: 20 },
    ]);
    expect(r).toEqual({ inserted: 2, usersCreated: ['u1'] });
    await expect(
      store.insertFeedback([
        { user: 'u2', item: 'i1', type: 'click', value: 1, timestamp: 30 },
        { user: 'u2', item: 'zz', type: 'click', value: 1, timestamp: 30 },
      ]),
    ).rejects.toThrow(/unknown item "zz" \(\[1\]\.item\)/);
    expect(await store.getUser('u2')).toBeUndefined();
    expect((await store.counts()).feedback).toBe(2);
    expect((await store.userFeedback('u1')).map((f) => f.item)).toEqual(['i2', 'i1']);
    expect((await store.userFeedback('u1', { type: 'click' })).map((f) => f.item)).toEqual(['i1']);
    expect((await store.getUser('u1'))?.feedbackCount).toBe(2);
    expect(await store.feedbackInsertedSince(Date.now() / 1000 - 60)).toBe(2);
  });

  it('deleting a user removes feedback, vectors, model rows, impressions, events and logs', async () => {
    await store.upsertItems([item('i1')]);
    await store.insertFeedback([
      { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 1 },
      { user: 'u2', item: 'i1', type: 'click', value: 1, timestamp: 1 },
    ]);
    const v = await store.addModelVersion({
      name: 'bpr',
      params: {},
      metrics: {},
      report: {},
      items: ['i1'],
      users: ['u1', 'u2'],
      files: [{ name: 'manifest.json', data: new TextEncoder().encode('{}') }],
    });
    await store.putUserVector('u1', v, Float32Array.of(1, 2));
    await store.addImpression({ id: 'imp1', user: 'u1', experiment: 'e', arm: 'A', items: ['i1'], time: 5 });
    await store.addAttributedEvents([
      { impression: 'imp1', experiment: 'e', arm: 'A', user: 'u1', item: 'i1', kind: 'click', time: 6 },
    ]);
    await store.logRequests([
      { time: 1, method: 'GET', route: '/v1/recommend/:user', status: 200, ms: 1, user: 'u1' },
    ]);
    expect(await store.userRequestLogCount('u1')).toBe(1);
    await store.deleteUser('u1');
    expect(await store.getUser('u1')).toBeUndefined();
    expect(await store.userFeedback('u1')).toEqual([]);
    expect((await store.userVectors(v)).has('u1')).toBe(false);
    expect((await store.modelIds(v)).users).toEqual(new Map([['u2', 1]]));
    expect(await store.recentImpressions('u1', 0)).toEqual([]);
    expect(await store.experimentCounts('e')).toEqual([]);
    expect(await store.userRequestLogCount('u1')).toBe(0);
    expect((await store.counts()).feedback).toBe(1);
    await expect(store.deleteUser('u1')).rejects.toThrow(NotFoundError);
  });

  it('deleting an item removes its feedback and vectors', async () => {
    await store.upsertItems(
      [item('i1'), item('i2')],
      [
        { item: 'i1', modality: 'text', encoder: 'enc', vector: Float32Array.of(1, 0) },
        { item: 'i2', modality: 'text', encoder: 'enc', vector: Float32Array.of(0, 1) },
      ],
    );
    await store.insertFeedback([{ user: 'u', item: 'i1', type: 'click', value: 1, timestamp: 1 }]);
    await store.deleteItem('i1');
    expect((await store.counts()).feedback).toBe(0);
    const mv = await store.modalityVectors('text');
    expect(mv?.ids).toEqual(['i2']);
    expect(Array.from(mv!.data)).toEqual([0, 1]);
  });

  it('keeps vectors bit-exact and model versions with files, ids and one active version', async () => {
    const vec = Float32Array.of(0.1, -2.5, Math.PI);
    await store.upsertItems([item('i1')], [{ item: 'i1', modality: 'audio', encoder: 'mfcc', vector: vec }]);
    expect(Array.from((await store.itemVectors('i1')).audio!)).toEqual(Array.from(vec));
    expect(await store.vectorModalities()).toEqual(['audio']);
    const mk = (name: string) =>
      store.addModelVersion({
        name,
        params: { dim: 4 },
        metrics: { 'recall@20': 0.3 },
        report: { epochs: [] },
        items: ['i1'],
        users: ['u'],
        files: [{ name: 'userFactors.bin', data: new Uint8Array([1, 2, 3]) }],
      });
    const v1 = await mk('bpr');
    const v2 = await mk('vbpr');
    expect(await store.activeModelVersion()).toBeUndefined();
    await store.activateModelVersion(v1);
    await store.activateModelVersion(v2);
    expect(await store.activeModelVersion()).toBe(v2);
    expect((await store.listModelVersions()).map((v) => [v.version, v.active])).toEqual([
      [v1, false],
      [v2, true],
    ]);
    expect(Array.from((await store.modelFiles(v1))[0]!.data)).toEqual([1, 2, 3]);
    expect((await store.getModelVersion(v2))?.report).toEqual({ epochs: [] });
    await expect(store.activateModelVersion(99)).rejects.toThrow(NotFoundError);
  });

  it('counts impressions, clicks and conversions per arm and over time', async () => {
    const e = await store.createExperiment({ name: 'exp', arms: [{ name: 'A', version: 1, share: 0.5 }] });
    expect((await store.getExperiment('exp'))?.id).toBe(e.id);
    await expect(store.createExperiment({ name: 'exp', arms: [] })).rejects.toThrow(/already exists/);
    for (let k = 0; k < 4; k++) {
      await store.addImpression({
        id: `a${k}`,
        user: `u${k}`,
        experiment: e.id,
        arm: k < 2 ? 'A' : 'B',
        items: ['x'],
        time: 60 * k,
      });
    }
    await store.addAttributedEvents([
      { impression: 'a0', experiment: e.id, arm: 'A', user: 'u0', item: 'x', kind: 'click', time: 1 },
      { impression: 'a0', experiment: e.id, arm: 'A', user: 'u0', item: 'x', kind: 'click', time: 2 },
      { impression: 'a0', experiment: e.id, arm: 'A', user: 'u0', item: 'x', kind: 'conversion', time: 3 },
      { impression: 'a2', experiment: e.id, arm: 'B', user: 'u2', item: 'x', kind: 'click', time: 130 },
    ]);
    const counts = await store.experimentCounts(e.id);
    expect(counts.sort((a, b) => a.arm.localeCompare(b.arm))).toEqual([
      { arm: 'A', impressions: 2, clicks: 1, conversions: 1 },
      { arm: 'B', impressions: 2, clicks: 1, conversions: 0 },
    ]);
    const series = await store.experimentTimeseries(e.id, 120);
    expect(series).toEqual([
      { t: 0, arm: 'A', impressions: 2, clicks: 1, conversions: 1 },
      { t: 120, arm: 'B', impressions: 2, clicks: 1, conversions: 0 },
    ]);
    expect((await store.recentImpressions('u2', 0)).map((i) => i.id)).toEqual(['a2']);
    expect((await store.stopExperiment('exp')).status).toBe('stopped');
  });

  it('stores reports and metadata', async () => {
    const r = await store.addReport({ kind: 'experiment', title: 'demo', body: { results: [1] } });
    expect(await store.listReports()).toEqual([r]);
    expect((await store.getReport(r.id))?.body).toEqual({ results: [1] });
    await store.setMeta('encoders', { text: 'builtin' });
    expect(await store.getMeta('encoders')).toEqual({ text: 'builtin' });
  });

  it('brings a version-1 database (before the change feed) up to date on open, keeping its data', async () => {
    const file = join(dir, 'v1.db');
    const db = openDatabase(file);
    db.exec(MIGRATIONS[0]!.sql);
    db.exec(
      'CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    db.exec(`INSERT INTO migrations VALUES (1, 'initial schema', 'x')`);
    db.exec(`INSERT INTO meta (key, value) VALUES ('k', '"v"')`);
    db.close();
    const old = await openStore(`sqlite://${file}`);
    expect(await old.getMeta('k')).toBe('v');
    expect(await old.lastChangeSeq()).toBe(0);
    await old.setMeta('k', 'w');
    expect((await old.changesSince(0)).map((c) => [c.kind, c.keys])).toEqual([['meta', ['k']]]);
    await old.close();
  });

  it('persists across reopen, in WAL mode, with the schema version recorded', async () => {
    await store.upsertItems([item('i1')]);
    await store.close();
    store = await openStore(`sqlite://${join(dir, 'x.db')}`);
    expect((await store.getItem('i1'))?.text.title).toBe('title of i1');
    const db = openDatabase(join(dir, 'x.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) AS v FROM migrations').get()).toEqual({ v: SCHEMA_VERSION });
    db.exec(`INSERT INTO migrations (version, name, applied_at) VALUES (999, 'future', 'x')`);
    db.close();
    await store.close();
    expect(() => SqliteStore.open(join(dir, 'x.db'))).toThrow(MismatchError);
    store = await openStore('sqlite::memory:');
  });

  it('chooses the backend by URL', async () => {
    const mem = await openStore('sqlite::memory:');
    expect(mem.url).toBe('sqlite::memory:');
    expect(mem.dataDir).toBeUndefined();
    await mem.close();
    await expect(openStore('redis://localhost/x')).rejects.toThrow(NotSupportedError);
    await expect(openStore('nonsense')).rejects.toThrow(/sqlite:\/\//);
  });
});
