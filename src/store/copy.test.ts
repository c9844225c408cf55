/**
 * store/copy against real stores: SQLite in memory → SQLite in memory, and SQLite → PostgreSQL (a
 * fresh schema `fr_<random>`, dropped afterwards; the PostgreSQL case fails when PostgreSQL does
 * not answer, unless FUSIONREC_NO_POSTGRES=1, which skips it). A small installation with every
 * part (vectors, a model version with a deleted user's row, user vectors, reports, a stopped
 * experiment, impressions) is copied, the digests compared, and tampering detected.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError } from '../errors.js';
import { item } from './contract.js';
import { type CopyOutcome, canonicalJson, compareDigests, copyStore, storeDigest } from './copy.js';
import { openStore } from './open.js';
import { createPool } from './postgres/pool.js';
import type { Store } from './types.js';

const PG_URL = process.env.FUSIONREC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NO_POSTGRES = process.env.FUSIONREC_NO_POSTGRES === '1';

const vec = (...xs: number[]) => Float32Array.from(xs);
const file = (s: string) => ({ name: s, data: new TextEncoder().encode(`${s} bytes`) });

/** A small installation holding something of every part. */
async function fill(store: Store): Promise<{ v1: number; v2: number }> {
  await store.setMeta('positive', ['buy', 'rate>=4']);
  await store.setMeta('media-root', '/srv/media');
  const items = ['b', 'a', 'c', 'd'].map((id, k) =>
    item(id, { text: { title: `T ${id}`, body: `body ${id}` }, timestamp: 1000 + k, image: `${id}.png` }),
  );
  await store.upsertItems(items, [
    { item: 'a', modality: 'text', encoder: 'builtin', vector: vec(1, 2, 3) },
    { item: 'b', modality: 'text', encoder: 'builtin', vector: vec(4, 5, 6) },
    { item: 'c', modality: 'image', encoder: 'builtin', vector: vec(0.5, -0.25) },
  ]);
  await store.upsertUsers([
    { id: 'u1', labels: ['x'], attributes: { age: 30 } },
    { id: 'u2', labels: [], attributes: {}, comment: 'c' },
    { id: 'gone', labels: [], attributes: {} },
  ]);
  await store.insertFeedback([
    { user: 'u1', item: 'a', type: 'buy', value: 1, timestamp: 5 },
    { user: 'u2', item: 'b', type: 'rate', value: 4.5, timestamp: 6 },
    { user: 'u3', item: 'c', type: 'buy', value: 1, timestamp: 7 },
    { user: 'u1', item: 'b', type: 'view', value: 1, timestamp: 8 },
  ]);
  const base = {
    params: { dim: 3 },
    metrics: { recall: 0.5 },
    report: { epochs: [1, 2] },
    items: ['b', 'a'],
  };
  const v1 = await store.addModelVersion({
    ...base,
    name: 'bpr',
    users: ['u1', 'gone', 'u2'],
    files: [file('m')],
  });
  const v2 = await store.addModelVersion({
    ...base,
    name: 'freedom',
    users: ['u2'],
    files: [file('m'), file('n')],
  });
  await store.putUserVector('u1', v1, vec(1, 1, 1));
  await store.deleteUser('gone'); // leaves a hole at row 1 of v1's id map
  await store.activateModelVersion(v1);
  await store.addReport({ id: 'r1', kind: 'tune', title: 'tuning', body: { best: { dim: 3 } } });
  await store.createExperiment({
    id: 'e1',
    name: 'old',
    arms: [
      { name: 'a', version: v1, share: 0.5 },
      { name: 'b', version: v2, share: 0.5 },
    ],
  });
  await store.stopExperiment('e1');
  await store.addImpression({
    id: 'i1',
    user: 'u1',
    experiment: 'e1',
    arm: 'a',
    items: ['a', 'b'],
    time: 10,
  });
  await store.addImpression({ id: 'i2', user: 'u2', experiment: 'e1', arm: 'b', items: ['b'], time: 11 });
  // operator state: a rule, an opt-out, a review queue with one decision, the audit log, settings
  await store.putRule({
    id: 'r-block',
    name: 'no d',
    enabled: true,
    action: { kind: 'block', match: { items: ['d'] } },
  });
  await store.setOptOut('u2', true);
  await store.queueReview(['c', 'd']);
  await store.decideReview('c', 'approved', 'write:1234abcd');
  await store.addAudit({ actor: 'write:1234abcd', action: 'rule.put', target: 'r-block', details: { n: 1 } });
  await store.addAudit({ actor: 'write:1234abcd', action: 'review.approve', target: 'c', details: {} });
  await store.setMeta('privacy.logKey', 'k'.repeat(64));
  return { v1, v2 };
}

/** Copies a filled store into `to` and checks the copy part by part. */
async function roundTrip(from: Store, to: Store): Promise<CopyOutcome> {
  const { v1, v2 } = await fill(from);
  const done = await copyStore(from, to, { batch: 2 });
  expect([...done.versions.keys()]).toEqual([v1, v2]);
  expect(await to.listModelVersions()).toHaveLength(2);
  expect(done.copied).toMatchObject({
    items: 4,
    vectors: 3,
    users: 3,
    feedback: 4,
    versions: 2,
    impressions: 2,
    rules: 1,
    optOuts: 1,
    review: 2,
    audit: 2,
  });
  const rows = compareDigests(await storeDigest(from), await storeDigest(to));
  expect(rows.filter((r) => r.status !== 'ok')).toEqual([]);
  expect(rows.map((r) => r.part)).toEqual([
    'meta',
    'items',
    'users',
    'feedback',
    'vectors image',
    'vectors text',
    'model #1 bpr',
    'model #2 freedom',
    'active model',
    'reports',
    'experiments',
    'impressions (in experiments)',
    'attributed events',
    'rules',
    'opt-outs',
    'review queue',
    'audit log',
  ]);
  expect(await to.getMeta('privacy.logKey')).toBe('k'.repeat(64));
  expect((await to.listAudit()).map((a) => a.action)).toEqual(['review.approve', 'rule.put']);
  const w1 = done.versions.get(v1)!;
  expect(await to.activeModelVersion()).toBe(w1);
  expect([...(await to.modelIds(w1)).users]).toEqual([
    ['u1', 0],
    ['u2', 2],
  ]);
  expect(await to.getUser('gone')).toBeUndefined();
  expect((await to.getExperiment('old'))!).toMatchObject({ status: 'stopped' });
  expect((await to.getExperiment('old'))!.arms.map((a) => a.version)).toEqual([w1, done.versions.get(v2)]);
  expect(Object.keys((await to.getItem('a'))!.text)).toEqual(['title', 'body']);

  // a second copy into it is refused
  await expect(copyStore(from, to)).rejects.toThrow(AlreadyExistsError);

  // tampering is detected part by part; clicks (not copyable) are reported, not failed
  await to.putItemVectors([{ item: 'a', modality: 'text', encoder: 'builtin', vector: vec(1, 2, 3.0001) }]);
  await to.patchItem('d', { hidden: true });
  await from.addAttributedEvents([
    { impression: 'i1', experiment: 'e1', arm: 'a', user: 'u1', item: 'a', kind: 'click', time: 12 },
  ]);
  const after = compareDigests(await storeDigest(from), await storeDigest(to));
  const status = Object.fromEntries(after.map((r) => [r.part, r.status]));
  expect(status).toMatchObject({
    items: 'different',
    'vectors text': 'different',
    'vectors image': 'ok',
    feedback: 'ok',
    'attributed events': 'not copied',
  });
  await to.setOptOut('u1', true);
  const optOut = compareDigests(await storeDigest(from), await storeDigest(to));
  expect(optOut.find((r) => r.part === 'opt-outs')!.status).toBe('different');
  return done;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":1}]},"b":1}',
    );
  });
});

describe('copyStore: sqlite → sqlite', () => {
  it('copies every readable part and the digests agree', async () => {
    const from = await openStore('sqlite::memory:');
    const to = await openStore('sqlite::memory:');
    try {
      await roundTrip(from, to);
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('copies into a non-empty destination only with force', async () => {
    const from = await openStore('sqlite::memory:');
    const to = await openStore('sqlite::memory:');
    try {
      await from.upsertItems([item('a')]);
      await to.upsertItems([item('z')]);
      await expect(copyStore(from, to)).rejects.toThrow(/already holds 1 items and 0 feedback rows/);
      const done = await copyStore(from, to, { force: true });
      expect(done.copied.items).toBe(1);
      expect((await to.counts()).items).toBe(2);
    } finally {
      await from.close();
      await to.close();
    }
  });
});

if (NO_POSTGRES) {
  describe.skip('copyStore: sqlite → postgres (skipped: FUSIONREC_NO_POSTGRES=1)', () => {
    it('is skipped', () => {});
  });
} else {
  describe('copyStore: sqlite → postgres', () => {
    const admin = createPool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 3000 });
    const schema = `fr_${randomBytes(6).toString('hex')}`;
    afterAll(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await admin.end();
    });
    it('copies every readable part into a fresh schema and the digests agree', async () => {
      const u = new URL(PG_URL);
      u.searchParams.set('schema', schema);
      const from = await openStore('sqlite::memory:');
      const to = await openStore(u.toString());
      try {
        // a failed addModelVersion still uses a sequence number: the copy's versions are numbered anew
        const dup = {
          name: 'x',
          params: {},
          metrics: {},
          report: {},
          items: [],
          users: ['x', 'x'],
          files: [],
        };
        await expect(to.addModelVersion(dup)).rejects.toThrow();
        const done = await roundTrip(from, to);
        expect([...done.versions]).toEqual([
          [1, 2],
          [2, 3],
        ]);
      } finally {
        await from.close();
        await to.close();
      }
    });
  });
}
