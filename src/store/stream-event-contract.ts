/**
 * @module store/stream-event-contract
 * The stream-event part of the store contract (store/contract.ts runs it for every backend): a
 * write carrying an event id (EventWriteOptions) is applied once — the same id again writes
 * nothing, records no change and throws nothing, for feedback, items and both deletes — a failed
 * write leaves its id unrecorded (so a retry applies it), ids are checked, old ids are pruned,
 * and two handles applying the same event at once apply it once.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { ContractHandle } from './contract.js';
import type { StoredFeedback, StoredItem } from './types.js';

const item = (id: string): StoredItem => ({
  id,
  text: { title: `title of ${id}` },
  categories: [],
  labels: [],
  attributes: {},
  timestamp: 100,
  hidden: false,
  modalities: {},
});
const fb = (user: string, itemId: string): StoredFeedback => ({
  user,
  item: itemId,
  type: 'click',
  value: 1,
  timestamp: 1,
});

/** Registers the stream-event cases; `handle()` is the current test's open store. */
export function streamEventContract(handle: () => ContractHandle): void {
  describe('stream event ids', () => {
    it('applies a write with an event id once; the same id again writes and records nothing', async () => {
      const store = handle().store;
      expect(await store.upsertItems([item('i1')], [], { eventId: 'e-item' })).toEqual({
        inserted: 1,
        updated: 0,
      });
      expect(await store.upsertItems([item('i1')], [], { eventId: 'e-item' })).toEqual({
        inserted: 0,
        updated: 0,
      });
      expect(await store.insertFeedback([fb('u1', 'i1')], { eventId: 'e-fb' })).toEqual({
        inserted: 1,
        usersCreated: ['u1'],
      });
      const seq = await store.lastChangeSeq();
      expect(await store.insertFeedback([fb('u1', 'i1')], { eventId: 'e-fb' })).toEqual({
        inserted: 0,
        usersCreated: [],
      });
      expect(await store.lastChangeSeq()).toBe(seq);
      expect((await store.counts()).feedback).toBe(1);
      // without an id the same row is simply inserted again
      await store.insertFeedback([fb('u1', 'i1')]);
      expect((await store.counts()).feedback).toBe(2);
      expect(await store.appliedStreamEvents(['e-item', 'e-fb', 'nope'])).toEqual(
        new Set(['e-item', 'e-fb']),
      );
      expect(await store.appliedStreamEvents([])).toEqual(new Set());
    });

    it('applies deletes once: a redelivered delete of a deleted item or user neither writes nor throws', async () => {
      const store = handle().store;
      await store.upsertItems([item('i1'), item('i2')]);
      await store.insertFeedback([fb('u1', 'i1'), fb('u2', 'i2')]);
      await store.deleteItem('i1', { eventId: 'del-i1' });
      await store.deleteUser('u2', { eventId: 'del-u2' });
      const seq = await store.lastChangeSeq();
      await store.deleteItem('i1', { eventId: 'del-i1' });
      await store.deleteUser('u2', { eventId: 'del-u2' });
      expect(await store.lastChangeSeq()).toBe(seq);
      // a new event deleting what is gone is an unknown id, as without an event id
      await expect(store.deleteItem('i1', { eventId: 'del-i1-again' })).rejects.toThrow(NotFoundError);
      expect(await store.appliedStreamEvents(['del-i1-again'])).toEqual(new Set());
      expect(await store.getItem('i1')).toBeUndefined();
      expect(await store.getUser('u2')).toBeUndefined();
    });

    it('leaves the id of a failed write unrecorded, so that a retry applies it', async () => {
      const store = handle().store;
      await expect(store.insertFeedback([fb('u1', 'late')], { eventId: 'e-late' })).rejects.toThrow(
        NotFoundError,
      );
      expect(await store.appliedStreamEvents(['e-late'])).toEqual(new Set());
      await store.upsertItems([item('late')]);
      expect((await store.insertFeedback([fb('u1', 'late')], { eventId: 'e-late' })).inserted).toBe(1);
      expect(await store.appliedStreamEvents(['e-late'])).toEqual(new Set(['e-late']));
    });

    it('checks event ids and prunes old ones', async () => {
      const store = handle().store;
      await store.upsertItems([item('i1')]);
      await expect(store.insertFeedback([fb('u1', 'i1')], { eventId: '' })).rejects.toThrow(
        InvalidArgumentError,
      );
      await expect(store.insertFeedback([fb('u1', 'i1')], { eventId: 'x'.repeat(257) })).rejects.toThrow(
        InvalidArgumentError,
      );
      expect((await store.counts()).feedback).toBe(0);
      await store.insertFeedback([fb('u1', 'i1')], { eventId: 'old' });
      expect(await store.pruneStreamEvents(Date.now() / 1000 - 3600)).toBe(0);
      expect(await store.pruneStreamEvents(Date.now() / 1000 + 1)).toBe(1);
      expect(await store.appliedStreamEvents(['old'])).toEqual(new Set());
    });

    it('applies an event once when two handles write it at the same time', async (ctx) => {
      const h = handle();
      if (!h.reopen) return ctx.skip();
      await h.store.upsertItems([item('i1')]);
      const other = await h.reopen();
      try {
        const writes = [];
        for (let k = 0; k < 20; k++) {
          for (const s of [h.store, other]) {
            writes.push(s.insertFeedback([fb(`u${k}`, 'i1')], { eventId: `race-${k}` }));
          }
        }
        const done = await Promise.all(writes);
        expect(done.reduce((n, r) => n + r.inserted, 0)).toBe(20);
        expect((await h.store.counts()).feedback).toBe(20);
      } finally {
        await other.close();
      }
    });
  });
}
