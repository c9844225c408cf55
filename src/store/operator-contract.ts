/**
 * @module store/operator-contract
 * The operator-control and users'-data part of the store contract (store/contract.ts runs it for
 * every backend): business rules (create, replace, delete, each recording a `rules` change),
 * the audit log (newest first, paged), the review queue, opt-outs (an `opt-out` change), a user's
 * export (everything stored about them, logs under any of the given keys), forgetting logs by key,
 * and retention (aggregate or delete old raw feedback, delete old request logs, a `bulk` change).
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import type { ContractHandle } from './contract.js';
import type { ChangeKind, StoredItem } from './types.js';

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

/** Registers the cases; `handle()` is the current test's open store. */
export function operatorContract(handle: () => ContractHandle): void {
  describe('operator control and users’ data', () => {
    const kindsAfter = async (seq: number): Promise<[ChangeKind, string[]][]> =>
      (await handle().store.changesSince(seq, 100)).map((c) => [c.kind, c.keys]);

    it('stores, replaces and deletes business rules, recording a rules change each time', async () => {
      const store = handle().store;
      const s0 = await store.lastChangeSeq();
      const a = await store.putRule({
        name: 'pin promo',
        enabled: true,
        segment: { label: 'vip' },
        action: { kind: 'pin', item: 'i1', position: 2 },
      });
      const b = await store.putRule({
        name: 'no jazz',
        enabled: false,
        action: { kind: 'block', match: { categories: ['jazz'] } },
      });
      expect(a.id).not.toBe(b.id);
      expect(await store.listRules()).toEqual([a, b]);
      expect(a).toMatchObject({
        segment: { label: 'vip' },
        action: { kind: 'pin', item: 'i1', position: 2 },
      });
      expect(b.segment).toBeUndefined();
      const a2 = await store.putRule({ id: a.id, name: 'pin promo 3', enabled: true, action: a.action });
      expect(a2.createdAt).toBe(a.createdAt);
      expect(a2.name).toBe('pin promo 3');
      expect(a2.segment).toBeUndefined();
      expect((await store.listRules()).map((r) => r.id)).toEqual([a.id, b.id]);
      await store.deleteRule(b.id);
      await expect(store.deleteRule(b.id)).rejects.toThrow(NotFoundError);
      expect(await store.getRule(b.id)).toBeUndefined();
      expect(await kindsAfter(s0)).toEqual([
        ['rules', [a.id]],
        ['rules', [b.id]],
        ['rules', [a.id]],
        ['rules', [b.id]],
      ]);
    });

    it('keeps an audit log, newest first, paged by id', async () => {
      const store = handle().store;
      for (let k = 0; k < 3; k++) {
        await store.addAudit({
          actor: 'write key ab12cd34',
          action: `a${k}`,
          target: `t${k}`,
          details: { k },
        });
      }
      const all = await store.listAudit();
      expect(all.map((e) => e.action)).toEqual(['a2', 'a1', 'a0']);
      expect(all[0]).toMatchObject({ actor: 'write key ab12cd34', target: 't2', details: { k: 2 } });
      expect(Number.isNaN(Date.parse(all[0]!.time))).toBe(false);
      const page = await store.listAudit({ limit: 1, before: all[0]!.id });
      expect(page.map((e) => e.action)).toEqual(['a1']);
    });

    it('queues items for review once and records decisions', async () => {
      const store = handle().store;
      await store.queueReview(['i1', 'i2']);
      await store.queueReview(['i1']);
      expect((await store.listReview()).map((r) => r.item)).toEqual(['i1', 'i2']);
      const d = await store.decideReview('i1', 'approved', 'write key x');
      expect(d).toMatchObject({ item: 'i1', status: 'approved', decidedBy: 'write key x' });
      await store.queueReview(['i1']); // a decided item keeps its decision
      expect((await store.listReview()).map((r) => r.item)).toEqual(['i2']);
      expect((await store.listReview({ status: 'approved' })).map((r) => r.item)).toEqual(['i1']);
      await expect(store.decideReview('nope', 'rejected', 'x')).rejects.toThrow(NotFoundError);
    });

    it('records opt-outs with an opt-out change', async () => {
      const store = handle().store;
      const s0 = await store.lastChangeSeq();
      await store.setOptOut('u1', true);
      await store.setOptOut('u1', true);
      await store.setOptOut('u2', true);
      expect((await store.optedOutUsers()).sort()).toEqual(['u1', 'u2']);
      await store.setOptOut('u1', false);
      expect(await store.optedOutUsers()).toEqual(['u2']);
      expect((await kindsAfter(s0)).map(([k]) => k)).toEqual(['opt-out', 'opt-out', 'opt-out', 'opt-out']);
    });

    it('exports everything stored about a user and forgets logs by key', async () => {
      const store = handle().store;
      await store.upsertItems([item('i1'), item('i2')]);
      await store.upsertUsers([{ id: 'u1', labels: ['vip'], attributes: { country: 'fr' } }]);
      await store.insertFeedback([
        { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 10 },
        { user: 'u1', item: 'i2', type: 'like', value: 2, timestamp: 20 },
        { user: 'u2', item: 'i2', type: 'click', value: 1, timestamp: 30 },
      ]);
      await store.putUserVector('u1', 7, Float32Array.of(0.5, -1));
      await store.addImpression({ id: 'imp1', user: 'u1', items: ['i1', 'i2'], time: 40 });
      await store.logRequests([
        { time: 50, method: 'GET', route: '/v1/recommend/:userId', status: 200, ms: 1, user: 'u1' },
        { time: 51, method: 'GET', route: '/v1/recommend/:userId', status: 200, ms: 1, user: 'p:abc' },
        { time: 52, method: 'GET', route: '/v1/recommend/:userId', status: 200, ms: 1, user: 'u2' },
      ]);
      await store.setOptOut('u1', true);
      const x = await store.exportUser('u1', ['u1', 'p:abc']);
      expect(x.user).toEqual({ id: 'u1', labels: ['vip'], attributes: { country: 'fr' } });
      expect(x.optedOut).toBe(true);
      expect(x.feedback).toEqual([
        { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 10 },
        { user: 'u1', item: 'i2', type: 'like', value: 2, timestamp: 20 },
      ]);
      expect(x.vectors).toEqual([{ version: 7, vector: [0.5, -1] }]);
      expect(x.impressions).toEqual([{ id: 'imp1', user: 'u1', items: ['i1', 'i2'], time: 40 }]);
      expect(x.requestLogs.map((l) => l.user)).toEqual(['u1', 'p:abc']);
      await expect(store.exportUser('nobody', [])).rejects.toThrow(NotFoundError);
      expect(await store.forgetRequestLogs(['p:abc'])).toBe(1);
      expect(await store.userRequestLogCount('p:abc')).toBe(0);
      expect(await store.userRequestLogCount('u2')).toBe(1);
    });

    it('retention aggregates (or deletes) old raw feedback and deletes old request logs', async () => {
      const store = handle().store;
      await store.upsertItems([item('i1'), item('i2')]);
      await store.insertFeedback([
        { user: 'u1', item: 'i1', type: 'click', value: 1, timestamp: 1 },
        { user: 'u2', item: 'i1', type: 'click', value: 1, timestamp: 1 },
        { user: 'u2', item: 'i2', type: 'buy', value: 1, timestamp: 1 },
      ]);
      const now = Date.now() / 1000;
      await store.logRequests([
        { time: now - 1000, method: 'GET', route: '/x', status: 200, ms: 1, user: 'u1' },
        { time: now + 1000, method: 'GET', route: '/x', status: 200, ms: 1, user: 'u1' },
      ]);
      // nothing is older than an hour ago
      expect(await store.applyRetention(now - 3600, 'aggregate')).toEqual({ feedback: 0, requestLogs: 0 });
      const s0 = await store.lastChangeSeq();
      expect(await store.applyRetention(now + 1, 'aggregate')).toEqual({ feedback: 3, requestLogs: 1 });
      expect((await kindsAfter(s0)).map(([k]) => k)).toEqual(['bulk']);
      expect((await store.counts()).feedback).toBe(0);
      expect(await store.userRequestLogCount('u1')).toBe(1);
      await store.insertFeedback([{ user: 'u3', item: 'i1', type: 'click', value: 1, timestamp: 2 }]);
      await store.applyRetention(Date.now() / 1000 + 1, 'aggregate');
      expect(await store.feedbackAggregates()).toEqual([
        { item: 'i1', type: 'click', count: 3 },
        { item: 'i2', type: 'buy', count: 1 },
      ]);
      await store.insertFeedback([{ user: 'u3', item: 'i2', type: 'click', value: 1, timestamp: 2 }]);
      expect((await store.applyRetention(Date.now() / 1000 + 1, 'delete')).feedback).toBe(1);
      expect((await store.feedbackAggregates()).length).toBe(2);
    });
  });
}
