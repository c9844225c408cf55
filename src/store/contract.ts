/**
 * @module store/contract
 * The behaviour every {@link Store} backend must have, as one vitest suite that a test file runs
 * against each backend (`storeContract('sqlite::memory:', open)`): all-or-nothing batches with
 * errors that name the item and its position, listing/paging/filters, user and item deletion
 * everywhere, vectors bit-exact, model versions with files, id maps and exactly one active
 * version, A/B counts, reports and metadata, request logs, and the change feed (which write
 * records which change, seq order, limits, pruning, origins, nothing recorded by a failed batch),
 * and the durable job queue (store/job-contract.ts).
 * Written against the interface docs in store/types.ts, not against one implementation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, InvalidInputError, NotFoundError } from '../errors.js';
import { jobQueueContract } from './job-contract.js';
import { operatorContract } from './operator-contract.js';
import { streamEventContract } from './stream-event-contract.js';
import {
  type ChangeKind,
  type ChangeRecord,
  MAX_CHANGE_ROWS,
  type Store,
  type StoredFeedback,
  type StoredItem,
} from './types.js';

/** One open store for one test. */
export interface ContractHandle {
  store: Store;
  /** Closes the store and removes what the test left (files, schemas). */
  cleanup: () => Promise<void>;
  /**
   * Opens another handle on the same database (a second process's view); absent for a private
   * in-memory store. The test closes the handles it opens.
   */
  reopen?: () => Promise<Store>;
}

export const item = (id: string, extra: Partial<StoredItem> = {}): StoredItem => ({
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

const fb = (user: string, itemId: string, timestamp = 1, type = 'click'): StoredFeedback => ({
  user,
  item: itemId,
  type,
  value: 1,
  timestamp,
});

const newVersion = (
  name: string,
  users: string[] = ['u'],
  files = [{ name: 'f.bin', data: Uint8Array.of(1) }],
) => ({
  name,
  params: { dim: 4 },
  metrics: { 'recall@20': 0.3 },
  report: { epochs: [] },
  items: ['i1'],
  users,
  files,
});

/** Registers the contract suite for one backend; `open` gives each test a fresh, empty store. */
export function storeContract(name: string, open: () => Promise<ContractHandle>): void {
  describe(`store contract: ${name}`, () => {
    let h: ContractHandle;
    let store: Store;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /** The changes recorded since `after` (all of them: pages through the limit). */
    const changesAfter = async (after: number): Promise<ChangeRecord[]> => {
      const out: ChangeRecord[] = [];
      for (;;) {
        const page = await store.changesSince(after, 1000);
        out.push(...page);
        if (page.length < 1000) return out;
        after = page[page.length - 1]!.seq;
      }
    };
    /** Runs `write` and returns the changes it recorded as [kind, keys] pairs. */
    const recorded = async (write: () => Promise<unknown>): Promise<[ChangeKind, string[]][]> => {
      const before = await store.lastChangeSeq();
      await write();
      return (await changesAfter(before)).map((c) => [c.kind, c.keys]);
    };
    /** Runs a write that must throw `err` and checks that it recorded no change. */
    const failsWithoutChange = async (write: () => Promise<unknown>, err: unknown): Promise<void> => {
      const before = await store.lastChangeSeq();
      await expect(write()).rejects.toThrow(err as Error);
      expect(await store.changesSince(before)).toEqual([]);
      expect(await store.lastChangeSeq()).toBe(before);
    };

    jobQueueContract(() => h);
    streamEventContract(() => h);
    operatorContract(() => h);

    describe('items', () => {
      it('upserts items all-or-nothing and counts inserts and updates', async () => {
        expect(await store.upsertItems([item('i1'), item('i2')])).toEqual({ inserted: 2, updated: 0 });
        expect(await store.upsertItems([item('i2', { hidden: true }), item('i3')])).toEqual({
          inserted: 1,
          updated: 1,
        });
        expect((await store.getItem('i2'))?.hidden).toBe(true);
        // a duplicate id in the batch rejects the whole batch
        await expect(store.upsertItems([item('i4'), item('i4')])).rejects.toThrow(InvalidInputError);
        await expect(store.upsertItems([item('i4'), item('')])).rejects.toThrow(/\[1\]\.id/);
        expect(await store.getItem('i4')).toBeUndefined();
        // a vector for an unknown item rejects the batch, including its items
        await expect(
          store.upsertItems(
            [item('i5')],
            [
              { item: 'i5', modality: 'text', encoder: 'e', vector: new Float32Array(2) },
              { item: 'nope', modality: 'text', encoder: 'e', vector: new Float32Array(2) },
            ],
          ),
        ).rejects.toThrow(/unknown item "nope" \(vectors\[1\]\.item\)/);
        expect(await store.getItem('i5')).toBeUndefined();
        expect(await store.itemVectors('i5')).toEqual({});
        expect((await store.counts()).items).toBe(3);
      });

      it('keeps every item field, and leaves optional ones out when absent', async () => {
        const full = item('full', {
          text: { title: 'T', body: 'B', 'z-first': 'order kept' },
          categories: ['x', 'y'],
          labels: ['l1'],
          attributes: { price: 9.5, brand: 'acme', fresh: true },
          image: 'img/full.png',
          audio: 'https://example.test/a.mp3',
          timestamp: 1_700_000_000.5,
          hidden: true,
          modalities: { text: 'present', image: 'failed', audio: 'missing' },
          comment: 'a comment',
        });
        await store.upsertItems([full, item('bare')]);
        const got = await store.getItem('full');
        expect(got).toEqual(full);
        expect(Object.keys(got!.text)).toEqual(['title', 'body', 'z-first']);
        const bare = await store.getItem('bare');
        expect(bare).toEqual(item('bare'));
        expect('image' in bare! || 'audio' in bare! || 'comment' in bare!).toBe(false);
        expect(await store.getItem('none')).toBeUndefined();
      });

      it('gets several items by id, skipping unknown and repeated ids', async () => {
        await store.upsertItems([item('i1'), item('i2'), item('i3')]);
        const m = await store.getItems(['i3', 'nope', 'i1', 'i3']);
        expect([...m.keys()]).toEqual(['i3', 'i1']);
        expect(m.get('i1')).toEqual(item('i1'));
        expect((await store.getItems([])).size).toBe(0);
      });

      it('lists items by category, text query and modality, in insertion order, with paging', async () => {
        await store.upsertItems([
          item('red-1', {
            categories: ['red'],
            text: { title: 'Crimson Song' },
            modalities: { text: 'present' },
          }),
          item('blue-1', {
            categories: ['blue'],
            text: { title: 'Ocean 100%' },
            modalities: { text: 'failed' },
          }),
          item('red-2', { categories: ['red', 'x'], text: { title: 'Other', body: 'under_score' } }),
        ]);
        // an update keeps the item's place
        await store.upsertItems([item('red-1', { categories: ['red'], text: { title: 'Crimson Song' } })]);
        await store.patchItem('red-1', { modalities: { text: 'present' } });
        expect((await store.listItems({ category: 'red' })).items.map((i) => i.id)).toEqual([
          'red-1',
          'red-2',
        ]);
        expect((await store.listItems({ category: 'nope' })).total).toBe(0);
        expect((await store.listItems({ q: 'crimson' })).items.map((i) => i.id)).toEqual(['red-1']);
        expect((await store.listItems({ q: '100%' })).items.map((i) => i.id)).toEqual(['blue-1']);
        expect((await store.listItems({ q: '0%' })).items.map((i) => i.id)).toEqual(['blue-1']);
        // LIKE wildcards in the query are literal
        expect((await store.listItems({ q: 'r_d' })).total).toBe(0);
        expect((await store.listItems({ q: 'under_' })).items.map((i) => i.id)).toEqual(['red-2']);
        expect((await store.listItems({ q: 'RED' })).total).toBe(2);
        expect((await store.listItems({ modality: 'text' })).items.map((i) => i.id)).toEqual(['red-1']);
        expect(
          (await store.listItems({ category: 'red', q: 'other', modality: undefined })).items.map(
            (i) => i.id,
          ),
        ).toEqual(['red-2']);
        const page = await store.listItems({ offset: 1, limit: 1 });
        expect(page).toMatchObject({ total: 3, items: [{ id: 'blue-1' }] });
        expect((await store.listItems({ offset: 2, limit: 10 })).items.map((i) => i.id)).toEqual(['red-2']);
        expect((await store.listItems({ offset: 5 })).items).toEqual([]);
        expect((await store.listItems()).items.map((i) => i.id)).toEqual(['red-1', 'blue-1', 'red-2']);
        expect((await store.allItems()).map((i) => i.id)).toEqual(['red-1', 'blue-1', 'red-2']);
      });

      it('patches an item, removing optional fields set to undefined', async () => {
        await store.upsertItems([item('i1', { image: 'a.png', comment: 'c' })]);
        const next = await store.patchItem('i1', { hidden: true, image: undefined, labels: ['new'] });
        expect(next).toEqual({ ...item('i1', { hidden: true, labels: ['new'] }), comment: 'c' });
        expect(await store.getItem('i1')).toEqual(next);
        await expect(store.patchItem('nope', { hidden: true })).rejects.toThrow(NotFoundError);
      });

      it('deleting an item removes its feedback and vectors', async () => {
        await store.upsertItems(
          [item('i1'), item('i2')],
          [
            { item: 'i1', modality: 'text', encoder: 'enc', vector: Float32Array.of(1, 0) },
            { item: 'i2', modality: 'text', encoder: 'enc', vector: Float32Array.of(0, 1) },
          ],
        );
        await store.insertFeedback([fb('u', 'i1'), fb('u', 'i2')]);
        await store.deleteItem('i1');
        expect(await store.getItem('i1')).toBeUndefined();
        expect((await store.counts()).feedback).toBe(1);
        expect(await store.itemVectors('i1')).toEqual({});
        const mv = await store.modalityVectors('text');
        expect(mv?.ids).toEqual(['i2']);
        expect(Array.from(mv!.data)).toEqual([0, 1]);
        await expect(store.deleteItem('i1')).rejects.toThrow(NotFoundError);
      });
    });

    describe('users and feedback', () => {
      it('imports a whole batch in one transaction, or nothing', async () => {
        const batch = {
          items: [item('i1'), item('i2')],
          vectors: [{ item: 'i1', modality: 'text', encoder: 'e', vector: Float32Array.of(1) }],
          users: [{ id: 'u1', labels: ['x'], attributes: {} }],
          feedback: [fb('u1', 'i1', 1), fb('u9', 'i2', 2, 'like')],
        };
        await expect(
          store.importAll({ ...batch, feedback: [...batch.feedback, fb('u1', 'nope', 0)] }),
        ).rejects.toThrow(/feedback\[2\]\.item/);
        await expect(
          store.importAll({
            ...batch,
            vectors: [{ item: 'zz', modality: 'text', encoder: 'e', vector: Float32Array.of(1) }],
          }),
        ).rejects.toThrow(/vectors\[0\]\.item/);
        await expect(
          store.importAll({ ...batch, users: [batch.users[0]!, batch.users[0]!] }),
        ).rejects.toThrow(InvalidInputError);
        expect(await store.counts()).toEqual({ items: 0, users: 0, feedback: 0 });
        expect(await store.vectorModalities()).toEqual([]);
        expect(await store.importAll(batch)).toEqual({
          items: 2,
          users: 1,
          feedback: 2,
          feedbackExisting: 0,
          feedbackRemoved: 0,
        });
        expect(await store.counts()).toEqual({ items: 2, users: 2, feedback: 2 });
        expect((await store.getUser('u1'))?.labels).toEqual(['x']);
        expect(await store.allFeedback()).toEqual(batch.feedback);
      });

      it('re-imports without doubling feedback, and replaces it when asked (issue 12)', async () => {
        const rated = (user: string, value: number, timestamp: number): StoredFeedback => ({
          ...fb(user, 'i1', timestamp, 'rating'),
          value,
        });
        const twice = fb('u1', 'i2', 5); // the file itself holds this event twice: both are kept
        const batch = {
          items: [item('i1'), item('i2')],
          vectors: [],
          users: [{ id: 'u1', labels: [], attributes: {} }],
          feedback: [fb('u1', 'i1', 1), twice, twice, rated('u2', 4, 1), fb('u1', 'i1', 1, 'like')],
        };
        const first = await store.importAll(batch);
        expect(first).toMatchObject({ feedback: 5, feedbackExisting: 0, feedbackRemoved: 0 });
        const again = await store.importAll(batch);
        expect(again).toEqual({ items: 2, users: 1, feedback: 0, feedbackExisting: 5, feedbackRemoved: 0 });
        expect((await store.counts()).feedback).toBe(5);
        expect(await store.allFeedback()).toEqual(batch.feedback);
        // one field differs (value, timestamp, type, user): a new event; a third copy: new too
        const more = [rated('u2', 5, 1), rated('u2', 4, 2), fb('u1', 'i1', 1, 'view'), fb('u3', 'i1', 1)];
        const grown = await store.importAll({ ...batch, feedback: [...batch.feedback, twice, ...more] });
        expect(grown).toMatchObject({ feedback: 5, feedbackExisting: 5 });
        expect((await store.counts()).feedback).toBe(10);
        // feedback posted live between imports stays; identical live events count as stored
        await store.insertFeedback([fb('u1', 'i2', 99)]);
        expect(await store.importAll({ ...batch, feedback: [fb('u1', 'i2', 99)] })).toMatchObject({
          feedback: 0,
          feedbackExisting: 1,
        });
        // a failed import writes nothing, the deletion of replaceFeedback included
        await expect(
          store.importAll({ ...batch, feedback: [fb('u1', 'zz')] }, { replaceFeedback: true }),
        ).rejects.toThrow(NotFoundError);
        expect((await store.counts()).feedback).toBe(11);
        const replaced = await store.importAll(batch, { replaceFeedback: true });
        expect(replaced).toEqual({
          items: 2,
          users: 1,
          feedback: 5,
          feedbackExisting: 0,
          feedbackRemoved: 11,
        });
        expect(await store.allFeedback()).toEqual(batch.feedback);
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
        await expect(
          store.insertFeedback([fb('u3', 'i1'), fb('u3', 'i2'), fb('u3', 'i1'), fb('u3', 'x')]),
        ).rejects.toThrow(/\(\[3\]\.item\)/);
        expect(await store.getUser('u2')).toBeUndefined();
        expect(await store.getUser('u3')).toBeUndefined();
        expect((await store.counts()).feedback).toBe(2);
        expect((await store.userFeedback('u1')).map((f) => f.item)).toEqual(['i2', 'i1']);
        expect((await store.userFeedback('u1', { type: 'click' })).map((f) => f.item)).toEqual(['i1']);
        expect((await store.userFeedback('u1', { limit: 1 })).map((f) => f.item)).toEqual(['i2']);
        expect(await store.userFeedback('nobody')).toEqual([]);
        expect((await store.getUser('u1'))?.feedbackCount).toBe(2);
        expect(await store.feedbackInsertedSince(Date.now() / 1000 - 60)).toBe(2);
        expect(await store.feedbackInsertedSince(Date.now() / 1000 + 60)).toBe(0);
      });

      it('reports the users a feedback batch created, in order, and keeps every field', async () => {
        await store.upsertItems([item('i1'), item('i2')]);
        await store.upsertUsers([{ id: 'old', labels: [], attributes: {} }]);
        const rows = [
          { user: 'b', item: 'i1', type: 'rating', value: 4.5, timestamp: 1_700_000_000.25 },
          { user: 'old', item: 'i2', type: 'click', value: 1, timestamp: 5 },
          { user: 'a', item: 'i2', type: 'play', value: 17, timestamp: 6 },
          { user: 'b', item: 'i2', type: 'click', value: 1, timestamp: 7 },
        ];
        expect(await store.insertFeedback(rows)).toEqual({ inserted: 4, usersCreated: ['b', 'a'] });
        expect(await store.allFeedback()).toEqual(rows);
        expect(await store.insertFeedback([])).toEqual({ inserted: 0, usersCreated: [] });
        // newest first, ties in reverse insertion order
        await store.insertFeedback([fb('t', 'i1', 3), fb('t', 'i2', 3)]);
        expect((await store.userFeedback('t')).map((f) => f.item)).toEqual(['i2', 'i1']);
      });

      it('upserts and lists users with feedback counts and paging', async () => {
        expect(
          await store.upsertUsers([
            { id: 'u1', labels: ['a'], attributes: { age: 30 } },
            { id: 'u2', labels: [], attributes: {}, comment: 'hi' },
          ]),
        ).toEqual({ inserted: 2, updated: 0 });
        expect(
          await store.upsertUsers([
            { id: 'u2', labels: ['b'], attributes: {} },
            { id: 'u3', labels: [], attributes: {} },
          ]),
        ).toEqual({ inserted: 1, updated: 1 });
        await expect(
          store.upsertUsers([
            { id: 'u4', labels: [], attributes: {} },
            { id: 'u4', labels: [], attributes: {} },
          ]),
        ).rejects.toThrow(InvalidInputError);
        expect(await store.getUser('u4')).toBeUndefined();
        await store.upsertItems([item('i1')]);
        await store.insertFeedback([fb('u2', 'i1'), fb('u2', 'i1'), fb('u5', 'i1')]);
        expect(await store.getUser('u1')).toEqual({
          id: 'u1',
          labels: ['a'],
          attributes: { age: 30 },
          feedbackCount: 0,
        });
        expect(await store.getUser('u2')).toEqual({
          id: 'u2',
          labels: ['b'],
          attributes: {},
          feedbackCount: 2,
        });
        const all = await store.listUsers();
        expect(all.total).toBe(4);
        expect(all.users.map((u) => [u.id, u.feedbackCount])).toEqual([
          ['u1', 0],
          ['u2', 2],
          ['u3', 0],
          ['u5', 1],
        ]);
        const page = await store.listUsers({ offset: 1, limit: 2 });
        expect(page.total).toBe(4);
        expect(page.users.map((u) => u.id)).toEqual(['u2', 'u3']);
        expect(await store.counts()).toEqual({ items: 1, users: 4, feedback: 3 });
      });

      it('deleting a user removes feedback, vectors, model rows, impressions, events and logs', async () => {
        await store.upsertItems([item('i1')]);
        await store.insertFeedback([fb('u1', 'i1'), fb('u2', 'i1')]);
        const v = await store.addModelVersion({
          ...newVersion('bpr', ['u1', 'u2']),
          files: [{ name: 'manifest.json', data: new TextEncoder().encode('{}') }],
        });
        await store.putUserVector('u1', v, Float32Array.of(1, 2));
        await store.putUserVector('u2', v, Float32Array.of(3, 4));
        await store.addImpression({
          id: 'imp1',
          user: 'u1',
          experiment: 'e',
          arm: 'A',
          items: ['i1'],
          time: 5,
        });
        await store.addImpression({
          id: 'imp2',
          user: 'u2',
          experiment: 'e',
          arm: 'A',
          items: ['i1'],
          time: 5,
        });
        await store.addAttributedEvents([
          { impression: 'imp1', experiment: 'e', arm: 'A', user: 'u1', item: 'i1', kind: 'click', time: 6 },
        ]);
        await store.logRequests([
          { time: 1, method: 'GET', route: '/v1/recommend/:user', status: 200, ms: 1, user: 'u1' },
          { time: 1, method: 'GET', route: '/v1/recommend/:user', status: 200, ms: 1, user: 'u2' },
        ]);
        expect(await store.userRequestLogCount('u1')).toBe(1);
        expect(await store.experimentCounts('e')).toEqual([
          { arm: 'A', impressions: 2, clicks: 1, conversions: 0 },
        ]);
        await store.deleteUser('u1');
        expect(await store.getUser('u1')).toBeUndefined();
        expect(await store.userFeedback('u1')).toEqual([]);
        expect([...(await store.userVectors(v)).keys()]).toEqual(['u2']);
        expect((await store.modelIds(v)).users).toEqual(new Map([['u2', 1]]));
        expect(await store.recentImpressions('u1', 0)).toEqual([]);
        expect(await store.experimentCounts('e')).toEqual([
          { arm: 'A', impressions: 1, clicks: 0, conversions: 0 },
        ]);
        expect(await store.userRequestLogCount('u1')).toBe(0);
        expect(await store.userRequestLogCount('u2')).toBe(1);
        expect(await store.counts()).toEqual({ items: 1, users: 1, feedback: 1 });
        await expect(store.deleteUser('u1')).rejects.toThrow(NotFoundError);
      });
    });

    describe('vectors and models', () => {
      it('keeps vectors bit-exact, by modality, and skips rows of another dimension or encoder', async () => {
        const vec = Float32Array.of(0.1, -2.5, Math.PI, Number.MIN_VALUE, -0);
        await store.upsertItems(
          [item('i1'), item('i2'), item('i3')],
          [{ item: 'i1', modality: 'audio', encoder: 'mfcc', vector: vec }],
        );
        expect(Array.from((await store.itemVectors('i1')).audio!)).toEqual(Array.from(vec));
        await store.putItemVectors([
          { item: 'i2', modality: 'audio', encoder: 'mfcc', vector: Float32Array.of(1, 2, 3, 4, 5) },
          { item: 'i3', modality: 'audio', encoder: 'other', vector: Float32Array.of(1, 2, 3, 4, 5) },
          { item: 'i1', modality: 'text', encoder: 'minilm', vector: Float32Array.of(7, 8) },
        ]);
        expect(await store.vectorModalities()).toEqual(['audio', 'text']);
        expect(Object.keys(await store.itemVectors('i1')).sort()).toEqual(['audio', 'text']);
        const mv = await store.modalityVectors('audio');
        expect(mv).toMatchObject({ modality: 'audio', encoder: 'mfcc', dim: 5, ids: ['i1', 'i2'] });
        expect(Array.from(mv!.data.subarray(5))).toEqual([1, 2, 3, 4, 5]);
        expect(await store.modalityVectors('image')).toBeUndefined();
        // replacing a vector; an unknown item rejects the whole batch naming its position
        await store.putItemVectors([
          { item: 'i1', modality: 'text', encoder: 'minilm', vector: Float32Array.of(9, 9) },
        ]);
        expect(Array.from((await store.itemVectors('i1')).text!)).toEqual([9, 9]);
        await expect(
          store.putItemVectors([
            { item: 'i2', modality: 'text', encoder: 'minilm', vector: Float32Array.of(1, 1) },
            { item: 'zz', modality: 'text', encoder: 'minilm', vector: Float32Array.of(1, 1) },
          ]),
        ).rejects.toThrow(/unknown item "zz" \(\[1\]\.item\)/);
        expect((await store.itemVectors('i2')).text).toBeUndefined();
      });

      it('keeps user vectors per model version', async () => {
        await store.putUserVector('u1', 1, Float32Array.of(1, 2));
        await store.putUserVector('u1', 2, Float32Array.of(3));
        await store.putUserVector('u1', 1, Float32Array.of(5, 6));
        expect(Array.from((await store.userVectors(1)).get('u1')!)).toEqual([5, 6]);
        expect(Array.from((await store.userVectors(2)).get('u1')!)).toEqual([3]);
        expect((await store.userVectors(3)).size).toBe(0);
      });

      it('keeps model versions with files, ids and one active version', async () => {
        const v1 = await store.addModelVersion({
          ...newVersion('bpr', ['u', 'w']),
          files: [{ name: 'userFactors.bin', data: new Uint8Array([1, 2, 3]) }],
        });
        const v2 = await store.addModelVersion(newVersion('vbpr'));
        expect(v2).toBeGreaterThan(v1);
        expect(await store.activeModelVersion()).toBeUndefined();
        await store.activateModelVersion(v1);
        expect(await store.activeModelVersion()).toBe(v1);
        await store.activateModelVersion(v2);
        expect(await store.activeModelVersion()).toBe(v2);
        const list = await store.listModelVersions();
        expect(list.map((v) => [v.version, v.name, v.active])).toEqual([
          [v1, 'bpr', false],
          [v2, 'vbpr', true],
        ]);
        expect(list[0]).toMatchObject({ params: { dim: 4 }, metrics: { 'recall@20': 0.3 } });
        expect(Number.isNaN(Date.parse(list[0]!.createdAt))).toBe(false);
        expect(Array.from((await store.modelFiles(v1))[0]!.data)).toEqual([1, 2, 3]);
        expect((await store.getModelVersion(v2))?.report).toEqual({ epochs: [] });
        expect(await store.getModelVersion(999)).toBeUndefined();
        expect(await store.modelIds(v1)).toEqual({
          items: ['i1'],
          users: new Map([
            ['u', 0],
            ['w', 1],
          ]),
        });
        await expect(store.modelIds(999)).rejects.toThrow(NotFoundError);
        await expect(store.activateModelVersion(999)).rejects.toThrow(NotFoundError);
        // a failed activation leaves the active version as it was
        expect(await store.activeModelVersion()).toBe(v2);
        expect((await store.listModelVersions()).filter((v) => v.active)).toHaveLength(1);
      });

      it('round-trips large and empty artifact files byte for byte, sorted by name', async () => {
        const big = new Uint8Array(3 * 1024 * 1024 + 123);
        for (let k = 0; k < big.length; k++) big[k] = (k * 2654435761) >>> 24;
        const v = await store.addModelVersion({
          ...newVersion('big'),
          files: [
            { name: 'z.bin', data: big },
            { name: 'a.json', data: new TextEncoder().encode('{"x":1}') },
            { name: 'empty.bin', data: new Uint8Array(0) },
          ],
        });
        const files = await store.modelFiles(v);
        expect(files.map((f) => [f.name, f.data.length])).toEqual([
          ['a.json', 7],
          ['empty.bin', 0],
          ['z.bin', big.length],
        ]);
        expect(Buffer.from(files[2]!.data).equals(Buffer.from(big))).toBe(true);
        expect(await store.modelFiles(999)).toEqual([]);
      });

      it('keeps serving artifacts per version and kind, replaced whole, shared with other handles', async () => {
        const v1 = await store.addModelVersion(newVersion('bpr'));
        const v2 = await store.addModelVersion(newVersion('bpr'));
        // larger than one chunk of either backend (PostgreSQL 1 MiB, SQLite 16 MiB)
        const big = new Uint8Array(17 * 1024 * 1024 + 5);
        for (let k = 0; k < big.length; k++) big[k] = (k * 2654435761) >>> 24;
        expect(await store.getModelIndex(v1, 'item-hnsw')).toBeUndefined();
        expect(await recorded(() => store.putModelIndex(v1, 'item-hnsw', big))).toEqual([]);
        await store.putModelIndex(v1, 'other', Uint8Array.of(9, 8));
        await store.putModelIndex(v2, 'item-hnsw', new Uint8Array(0));
        const got = await store.getModelIndex(v1, 'item-hnsw');
        expect(got?.length).toBe(big.length);
        expect(Buffer.from(got!).equals(Buffer.from(big))).toBe(true);
        expect(Array.from((await store.getModelIndex(v1, 'other'))!)).toEqual([9, 8]);
        expect((await store.getModelIndex(v2, 'item-hnsw'))?.length).toBe(0);
        expect(await store.getModelIndex(v2, 'other')).toBeUndefined();
        // a smaller artifact replaces a larger one entirely (no chunk of the old one is left)
        await store.putModelIndex(v1, 'item-hnsw', Uint8Array.of(1, 2, 3));
        expect(Array.from((await store.getModelIndex(v1, 'item-hnsw'))!)).toEqual([1, 2, 3]);
        await expect(store.putModelIndex(999, 'item-hnsw', Uint8Array.of(1))).rejects.toThrow(NotFoundError);
        expect(await store.getModelIndex(999, 'item-hnsw')).toBeUndefined();
        if (h.reopen) {
          const other = await h.reopen();
          try {
            expect(Array.from((await other.getModelIndex(v1, 'item-hnsw'))!)).toEqual([1, 2, 3]);
          } finally {
            await other.close();
          }
        }
      });
    });

    describe('experiments, reports, metadata and logs', () => {
      it('counts impressions, clicks and conversions per arm and over time', async () => {
        const e = await store.createExperiment({
          name: 'exp',
          arms: [{ name: 'A', version: 1, share: 0.5 }],
        });
        expect(e).toMatchObject({
          name: 'exp',
          status: 'running',
          arms: [{ name: 'A', version: 1, share: 0.5 }],
        });
        expect((await store.getExperiment('exp'))?.id).toBe(e.id);
        expect(await store.getExperiment(e.id)).toEqual(e);
        expect(await store.getExperiment('nope')).toBeUndefined();
        await expect(store.createExperiment({ name: 'exp', arms: [] })).rejects.toThrow(AlreadyExistsError);
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
        await store.addImpression({ id: 'plain', user: 'u2', items: ['x'], time: 200 });
        await store.addAttributedEvents([
          { impression: 'a0', experiment: e.id, arm: 'A', user: 'u0', item: 'x', kind: 'click', time: 1 },
          { impression: 'a0', experiment: e.id, arm: 'A', user: 'u0', item: 'x', kind: 'click', time: 2 },
          {
            impression: 'a0',
            experiment: e.id,
            arm: 'A',
            user: 'u0',
            item: 'x',
            kind: 'conversion',
            time: 3,
          },
          { impression: 'a2', experiment: e.id, arm: 'B', user: 'u2', item: 'x', kind: 'click', time: 130 },
        ]);
        await store.addAttributedEvents([]);
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
        // only impressions in experiments, newest first, since the given time
        expect(await store.recentImpressions('u2', 0)).toEqual([
          { id: 'a2', user: 'u2', experiment: e.id, arm: 'B', items: ['x'], time: 120 },
        ]);
        expect(await store.recentImpressions('u2', 121)).toEqual([]);
        const stopped = await store.stopExperiment('exp');
        expect(stopped.status).toBe('stopped');
        expect(stopped.stoppedAt).toBeDefined();
        expect((await store.listExperiments()).map((x) => [x.name, x.status])).toEqual([['exp', 'stopped']]);
        await expect(store.stopExperiment('nope')).rejects.toThrow(NotFoundError);
      });

      it('stores reports and metadata', async () => {
        const r = await store.addReport({ kind: 'experiment', title: 'demo', body: { results: [1] } });
        const r2 = await store.addReport({ kind: 'tune', title: 'second', body: [1, 2], id: 'fixed' });
        expect(r2.id).toBe('fixed');
        expect(await store.listReports()).toEqual([r, r2]);
        expect((await store.getReport(r.id))?.body).toEqual({ results: [1] });
        expect(await store.getReport('nope')).toBeUndefined();
        await expect(
          store.addReport({ kind: 'tune', title: 'again', body: {}, id: 'fixed' }),
        ).rejects.toThrow(AlreadyExistsError);
        expect(await store.getMeta('encoders')).toBeUndefined();
        await store.setMeta('encoders', { text: 'builtin', z: 1, a: [true, null] });
        expect(await store.getMeta('encoders')).toEqual({ text: 'builtin', z: 1, a: [true, null] });
        await store.setMeta('encoders', 'replaced');
        expect(await store.getMeta('encoders')).toBe('replaced');
        await store.setMeta('n', 0);
        expect(await store.getMeta('n')).toBe(0);
      });

      it('counts request-log rows per user', async () => {
        await store.logRequests([
          { time: 1, method: 'GET', route: '/a', status: 200, ms: 1.5, user: 'u1' },
          { time: 2, method: 'POST', route: '/b', status: 404, ms: 2 },
        ]);
        await store.logRequests([{ time: 3, method: 'GET', route: '/a', status: 200, ms: 1, user: 'u1' }]);
        expect(await store.userRequestLogCount('u1')).toBe(2);
        expect(await store.userRequestLogCount('u2')).toBe(0);
      });
    });

    describe('change feed', () => {
      it('records each write kind with its keys', async () => {
        expect(await store.lastChangeSeq()).toBe(0);
        expect(await store.firstChangeSeq()).toBe(0);
        expect(await store.changesSince(0)).toEqual([]);
        expect(await recorded(() => store.setMeta('k', 1))).toEqual([['meta', ['k']]]);
        expect(await recorded(() => store.upsertItems([item('i1'), item('i2')]))).toEqual([
          ['items', ['i1', 'i2']],
        ]);
        expect(await recorded(() => store.patchItem('i2', { hidden: true }))).toEqual([['items', ['i2']]]);
        expect(
          await recorded(() =>
            store.putItemVectors([{ item: 'i1', modality: 't', encoder: 'e', vector: Float32Array.of(1) }]),
          ),
        ).toEqual([['items', ['i1']]]);
        expect(
          await recorded(() =>
            store.upsertUsers([
              { id: 'u1', labels: [], attributes: {} },
              { id: 'u2', labels: [], attributes: {} },
            ]),
          ),
        ).toEqual([['users', ['u1', 'u2']]]);
        expect(
          await recorded(() => store.insertFeedback([fb('u1', 'i1'), fb('u3', 'i2'), fb('u1', 'i2')])),
        ).toEqual([['feedback', ['u1', 'u3']]]);
        const v = await store.addModelVersion(newVersion('m'));
        expect(
          (await store.changesSince((await store.lastChangeSeq()) - 1)).map((c) => [c.kind, c.keys]),
        ).toEqual([['model', [String(v)]]]);
        expect(await recorded(() => store.activateModelVersion(v))).toEqual([
          ['model-activated', [String(v)]],
        ]);
        let id = '';
        expect(
          await recorded(async () => {
            id = (await store.createExperiment({ name: 'x', arms: [] })).id;
          }),
        ).toEqual([['experiment', [id]]]);
        expect(await recorded(() => store.stopExperiment(id))).toEqual([['experiment', [id]]]);
        expect(await recorded(() => store.deleteItem('i2'))).toEqual([['item-deleted', ['i2']]]);
        expect(await recorded(() => store.deleteUser('u3'))).toEqual([['user-deleted', ['u3']]]);
        const bulk = await recorded(() =>
          store.importAll({ items: [item('i9')], vectors: [], users: [], feedback: [fb('u9', 'i9')] }),
        );
        expect(bulk.map(([kind]) => kind)).toEqual(['bulk']);
        // writes that servers need not see record nothing
        expect(
          await recorded(async () => {
            await store.putUserVector('u1', v, Float32Array.of(1));
            await store.addReport({ kind: 'tune', title: 't', body: {} });
            await store.addImpression({
              id: 'imp',
              user: 'u1',
              experiment: id,
              arm: 'A',
              items: [],
              time: 1,
            });
            await store.addAttributedEvents([
              { impression: 'imp', experiment: id, arm: 'A', user: 'u1', item: 'i1', kind: 'click', time: 2 },
            ]);
            await store.logRequests([{ time: 1, method: 'GET', route: '/', status: 200, ms: 1 }]);
            await store.userRequestLogCount('u1');
          }),
        ).toEqual([]);
      });

      it('carries the inserted feedback rows, and records a very large batch as bulk', async () => {
        await store.upsertItems([item('i1'), item('i2')]);
        const rows = [
          { user: 'u1', item: 'i1', type: 'rating', value: 3.5, timestamp: 10.25 },
          { user: 'u2', item: 'i2', type: 'click', value: 1, timestamp: 11 },
        ];
        const t0 = Date.now() / 1000;
        await store.insertFeedback(rows);
        const [c] = await store.changesSince((await store.lastChangeSeq()) - 1);
        expect(c).toMatchObject({ kind: 'feedback', keys: ['u1', 'u2'], rows, origin: store.origin });
        expect(c!.time).toBeGreaterThanOrEqual(t0 - 5);
        expect(c!.time).toBeLessThanOrEqual(Date.now() / 1000 + 5);
        const many = Array.from({ length: MAX_CHANGE_ROWS + 1 }, (_, k) => fb(`u${k % 7}`, 'i1', k));
        const big = await recorded(() => store.insertFeedback(many));
        expect(big.map(([kind]) => kind)).toEqual(['bulk']);
        const last = (await store.changesSince((await store.lastChangeSeq()) - 1))[0]!;
        expect(last.rows).toBeUndefined();
        // so is any change of more than MAX_CHANGE_ROWS keys
        const users = Array.from({ length: MAX_CHANGE_ROWS + 1 }, (_, k) => ({
          id: `many${k}`,
          labels: [],
          attributes: {},
        }));
        expect(await recorded(() => store.upsertUsers(users))).toEqual([['bulk', []]]);
        // exactly MAX_CHANGE_ROWS still carries its rows
        const exact = Array.from({ length: MAX_CHANGE_ROWS }, (_, k) => fb('u1', 'i2', k));
        expect((await recorded(() => store.insertFeedback(exact))).map(([kind]) => kind)).toEqual([
          'feedback',
        ]);
        expect((await store.changesSince((await store.lastChangeSeq()) - 1))[0]!.rows).toHaveLength(
          MAX_CHANGE_ROWS,
        );
      });

      it('numbers changes increasingly and pages them with a limit', async () => {
        for (let k = 0; k < 7; k++) await store.setMeta(`k${k}`, k);
        const all = await store.changesSince(0);
        expect(all.map((c) => c.keys[0])).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
        for (let k = 1; k < all.length; k++) expect(all[k]!.seq).toBeGreaterThan(all[k - 1]!.seq);
        expect(await store.lastChangeSeq()).toBe(all[6]!.seq);
        expect(await store.firstChangeSeq()).toBe(all[0]!.seq);
        expect((await store.changesSince(0, 3)).map((c) => c.seq)).toEqual(all.slice(0, 3).map((c) => c.seq));
        expect((await store.changesSince(all[2]!.seq, 2)).map((c) => c.seq)).toEqual(
          all.slice(3, 5).map((c) => c.seq),
        );
        expect(await store.changesSince(all[6]!.seq)).toEqual([]);
        expect(all.every((c) => c.origin === store.origin)).toBe(true);
      });

      it('records nothing when a write fails', async () => {
        await store.upsertItems([item('i1')]);
        await store.upsertUsers([{ id: 'u1', labels: [], attributes: {} }]);
        await failsWithoutChange(() => store.upsertItems([item('a'), item('a')]), InvalidInputError);
        await failsWithoutChange(
          () =>
            store.upsertItems(
              [item('b')],
              [{ item: 'zz', modality: 't', encoder: 'e', vector: Float32Array.of(1) }],
            ),
          NotFoundError,
        );
        await failsWithoutChange(() => store.insertFeedback([fb('u1', 'i1'), fb('u1', 'zz')]), NotFoundError);
        await failsWithoutChange(
          () => store.importAll({ items: [item('c')], vectors: [], users: [], feedback: [fb('u', 'zz')] }),
          NotFoundError,
        );
        await failsWithoutChange(
          () =>
            store.putItemVectors([{ item: 'zz', modality: 't', encoder: 'e', vector: Float32Array.of(1) }]),
          NotFoundError,
        );
        await failsWithoutChange(() => store.patchItem('zz', {}), NotFoundError);
        await failsWithoutChange(() => store.deleteItem('zz'), NotFoundError);
        await failsWithoutChange(() => store.deleteUser('zz'), NotFoundError);
        await failsWithoutChange(() => store.activateModelVersion(999), NotFoundError);
        await store.createExperiment({ name: 'e', arms: [] });
        await failsWithoutChange(() => store.createExperiment({ name: 'e', arms: [] }), AlreadyExistsError);
        await failsWithoutChange(() => store.stopExperiment('zz'), NotFoundError);
        expect(await store.counts()).toEqual({ items: 1, users: 1, feedback: 0 });
      });

      it('prunes old changes but always keeps the newest', async () => {
        expect(await store.pruneChanges(Date.now() / 1000 + 3600)).toBe(0);
        for (let k = 0; k < 5; k++) await store.setMeta(`k${k}`, k);
        const last = await store.lastChangeSeq();
        // nothing is older than an hour ago
        expect(await store.pruneChanges(Date.now() / 1000 - 3600)).toBe(0);
        expect(await store.pruneChanges(Date.now() / 1000 + 3600)).toBe(4);
        expect(await store.firstChangeSeq()).toBe(last);
        expect(await store.lastChangeSeq()).toBe(last);
        expect((await store.changesSince(0)).map((c) => c.keys)).toEqual([['k4']]);
        expect(await store.pruneChanges(Date.now() / 1000 + 3600)).toBe(0);
        // the seq goes on from there
        await store.setMeta('after', 1);
        expect(await store.lastChangeSeq()).toBeGreaterThan(last);
        expect(await store.firstChangeSeq()).toBe(last);
      });

      it('tells handles on the same database apart by origin', async (ctx) => {
        if (!h.reopen) {
          ctx.skip();
          return;
        }
        const other = await h.reopen();
        try {
          expect(other.origin).not.toBe(store.origin);
          expect(typeof store.origin).toBe('string');
          expect(store.origin.length).toBeGreaterThan(0);
          await store.setMeta('a', 1);
          await other.setMeta('b', 2);
          await store.upsertItems([item('i1')]);
          const seen = await other.changesSince(0);
          expect(seen.map((c) => [c.kind, c.keys, c.origin])).toEqual([
            ['meta', ['a'], store.origin],
            ['meta', ['b'], other.origin],
            ['items', ['i1'], store.origin],
          ]);
          expect(await store.changesSince(0)).toEqual(seen);
          expect((await other.getItem('i1'))?.id).toBe('i1');
        } finally {
          await other.close();
        }
      });

      it('never shows a change below a seq a reader has already passed, under concurrent writers', async () => {
        const writers = h.reopen ? [store, await h.reopen(), await h.reopen()] : [store];
        try {
          await store.upsertItems([item('i1')]);
          const start = await store.lastChangeSeq();
          let done = false;
          const polled: number[] = [];
          const reader = (async () => {
            let cursor = start;
            while (!done) {
              const page = await store.changesSince(cursor, 10_000);
              for (const c of page) polled.push(c.seq);
              if (page.length > 0) cursor = page[page.length - 1]!.seq;
              await new Promise((r) => setTimeout(r, 1));
            }
            for (const c of await store.changesSince(cursor, 10_000)) polled.push(c.seq);
          })();
          await Promise.all(
            writers.map(async (w, k) => {
              for (let n = 0; n < 25; n++) await w.insertFeedback([fb(`w${k}`, 'i1', n)]);
            }),
          );
          done = true;
          await reader;
          const all = (await changesAfter(start)).map((c) => c.seq);
          expect(all).toHaveLength(25 * writers.length);
          expect(polled).toEqual(all);
        } finally {
          for (const w of writers.slice(1)) await w.close();
        }
      });
    });
  });
}
