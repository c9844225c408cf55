/**
 * @module store/job-contract
 * The job-queue part of the store contract (store/contract.ts runs it for every backend): enqueue
 * and dedupe keys, claims oldest-first by kind, heartbeats with progress, finish and release only
 * by the holder, a dead worker's job claimed again after its lease expires and failed once its
 * attempts are spent, and concurrent claimers on separate handles never sharing a job.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { ContractHandle } from './contract.js';
import type { Store } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the job-queue cases; `handle()` is the current test's open store. */
export function jobQueueContract(handle: () => ContractHandle): void {
  describe('job queue', () => {
    it('enqueues jobs, gets and lists them newest first, and checks the input', async () => {
      const store = handle().store;
      const t0 = Date.now();
      const a = await store.enqueueJob({ kind: 'train', params: { model: 'bpr', params: { dim: 8 } } });
      const b = await store.enqueueJob({ kind: 'encode', params: {}, maxAttempts: 5 });
      expect(a).toMatchObject({
        kind: 'train',
        params: { model: 'bpr', params: { dim: 8 } },
        status: 'queued',
        attempts: 0,
        maxAttempts: 2,
      });
      expect(a.workerId).toBeUndefined();
      expect(a.leaseUntil).toBeUndefined();
      expect(Date.parse(a.createdAt)).toBeGreaterThanOrEqual(t0 - 1000);
      expect(b.id).toBeGreaterThan(a.id);
      expect(b.maxAttempts).toBe(5);
      expect(await store.getJob(a.id)).toEqual(a);
      expect(await store.getJob(a.id + 1000)).toBeUndefined();
      expect((await store.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
      expect((await store.listJobs({ limit: 1 })).map((j) => j.id)).toEqual([b.id]);
      expect(await store.listJobs({ status: ['done'] })).toEqual([]);
      await expect(store.enqueueJob({ kind: '', params: {} })).rejects.toThrow(InvalidArgumentError);
      await expect(store.enqueueJob({ kind: 'x', params: {}, maxAttempts: 0 })).rejects.toThrow(
        InvalidArgumentError,
      );
      await expect(store.claimJob('w', ['train'], 0)).rejects.toThrow(InvalidArgumentError);
    });

    it('returns the unfinished job with the same dedupe key instead of adding one', async () => {
      const store = handle().store;
      const a = await store.enqueueJob({ kind: 'train', params: { n: 1 }, dedupeKey: 'nightly' });
      const again = await store.enqueueJob({ kind: 'train', params: { n: 2 }, dedupeKey: 'nightly' });
      expect(again.id).toBe(a.id);
      expect(again.params).toEqual({ n: 1 });
      expect(again.dedupeKey).toBe('nightly');
      const other = await store.enqueueJob({ kind: 'train', params: {}, dedupeKey: 'other' });
      expect(other.id).not.toBe(a.id);
      // still deduplicated while running; a new job once it has finished
      const claimed = await store.claimJob('w1', ['train'], 30);
      expect(claimed?.id).toBe(a.id);
      expect((await store.enqueueJob({ kind: 'train', params: {}, dedupeKey: 'nightly' })).id).toBe(a.id);
      expect(await store.finishJob(a.id, 'w1', { status: 'done', result: {} })).toBe(true);
      const fresh = await store.enqueueJob({ kind: 'train', params: { n: 3 }, dedupeKey: 'nightly' });
      expect(fresh.id).toBeGreaterThan(other.id);
      expect(fresh.status).toBe('queued');
    });

    it('claims the oldest job of the asked kinds, heartbeats, and lets only the holder finish it', async () => {
      const store = handle().store;
      const e = await store.enqueueJob({ kind: 'encode', params: {} });
      const t1 = await store.enqueueJob({ kind: 'train', params: { k: 1 } });
      const t2 = await store.enqueueJob({ kind: 'train', params: { k: 2 } });
      expect(await store.claimJob('w1', [], 30)).toBeUndefined();
      const before = Date.now() / 1000;
      const c1 = await store.claimJob('w1', ['train'], 30);
      expect(c1).toMatchObject({ id: t1.id, status: 'running', workerId: 'w1', attempts: 1 });
      expect(c1!.leaseUntil).toBeGreaterThan(before + 25);
      expect(c1!.leaseUntil).toBeLessThan(before + 35);
      expect(c1!.startedAt).toBeDefined();
      const c2 = await store.claimJob('w2', ['train', 'encode'], 30);
      expect(c2?.id).toBe(e.id);
      const c3 = await store.claimJob('w3', ['train'], 30);
      expect(c3?.id).toBe(t2.id);
      expect(await store.claimJob('w4', ['train', 'encode'], 30)).toBeUndefined();

      expect(await store.heartbeatJob(t1.id, 'w1', 60, { phase: 'train', epoch: 3 })).toBe(true);
      const hb = await store.getJob(t1.id);
      expect(hb?.progress).toEqual({ phase: 'train', epoch: 3 });
      expect(hb!.leaseUntil).toBeGreaterThan(before + 55);
      expect(await store.heartbeatJob(t1.id, 'w2', 60)).toBe(false);
      // a heartbeat without progress keeps the last one
      expect(await store.heartbeatJob(t1.id, 'w1', 60)).toBe(true);
      expect((await store.getJob(t1.id))?.progress).toEqual({ phase: 'train', epoch: 3 });

      expect(await store.finishJob(t1.id, 'w2', { status: 'done', result: { version: 9 } })).toBe(false);
      expect(await store.finishJob(t1.id, 'w1', { status: 'done', result: { version: 3, m: 0.5 } })).toBe(
        true,
      );
      const done = await store.getJob(t1.id);
      expect(done).toMatchObject({ status: 'done', result: { version: 3, m: 0.5 }, workerId: 'w1' });
      expect(done?.leaseUntil).toBeUndefined();
      expect(done?.finishedAt).toBeDefined();
      // finished: no second outcome, no heartbeat, never claimed again
      expect(await store.finishJob(t1.id, 'w1', { status: 'failed', error: 'x' })).toBe(false);
      expect(await store.heartbeatJob(t1.id, 'w1', 30)).toBe(false);
      expect(await store.finishJob(t2.id, 'w3', { status: 'failed', error: 'no feedback' })).toBe(true);
      expect(await store.getJob(t2.id)).toMatchObject({ status: 'failed', error: 'no feedback' });
      expect(await store.claimJob('w5', ['train'], 30)).toBeUndefined();
      expect((await store.listJobs({ status: ['running'] })).map((j) => j.id)).toEqual([e.id]);
      expect((await store.listJobs({ status: ['done', 'failed'] })).map((j) => j.id)).toEqual([t2.id, t1.id]);
    });

    it('releases a job back to the queue without counting the attempt', async () => {
      const store = handle().store;
      const j = await store.enqueueJob({ kind: 'train', params: {} });
      await store.claimJob('w1', ['train'], 30);
      expect(await store.releaseJob(j.id, 'w2')).toBe(false);
      expect(await store.releaseJob(j.id, 'w1')).toBe(true);
      expect(await store.getJob(j.id)).toMatchObject({ status: 'queued', attempts: 0 });
      expect(await store.releaseJob(j.id, 'w1')).toBe(false);
      expect(await store.claimJob('w2', ['train'], 30)).toMatchObject({
        id: j.id,
        attempts: 1,
        workerId: 'w2',
      });
    });

    it('claims a job again when its lease expires, and fails it once its attempts are spent', async () => {
      const store = handle().store;
      const j = await store.enqueueJob({ kind: 'train', params: {} });
      const lease = 0.3;
      expect((await store.claimJob('dead-1', ['train'], lease))?.id).toBe(j.id);
      // not before the lease expires
      expect(await store.claimJob('w2', ['train'], lease)).toBeUndefined();
      await sleep(450);
      const again = await store.claimJob('dead-2', ['train'], lease);
      expect(again).toMatchObject({ id: j.id, attempts: 2, workerId: 'dead-2', status: 'running' });
      // the first worker lost it: its heartbeat and outcome are refused
      expect(await store.heartbeatJob(j.id, 'dead-1', 30)).toBe(false);
      expect(await store.finishJob(j.id, 'dead-1', { status: 'done', result: {} })).toBe(false);
      await sleep(450);
      expect(await store.claimJob('w3', ['train'], lease)).toBeUndefined();
      const failed = await store.getJob(j.id);
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: 'worker lost (lease expired) 2 times',
      });
      expect(failed?.finishedAt).toBeDefined();
    });

    it('never gives one job to two concurrent claimers on separate handles', async () => {
      const h = handle();
      const store = h.store;
      const n = 60;
      for (let k = 0; k < n; k++) await store.enqueueJob({ kind: 'train', params: { k } });
      const handles: Store[] = [store];
      if (h.reopen) for (let k = 0; k < 3; k++) handles.push(await h.reopen());
      try {
        const claimed: number[][] = [];
        await Promise.all(
          handles.flatMap((s, hk) =>
            [0, 1].map(async (slot) => {
              const mine: number[] = [];
              claimed.push(mine);
              for (;;) {
                const j = await s.claimJob(`w${hk}-${slot}`, ['train'], 30);
                if (!j) return;
                mine.push(j.id);
                expect(await s.finishJob(j.id, `w${hk}-${slot}`, { status: 'done', result: {} })).toBe(true);
              }
            }),
          ),
        );
        const all = claimed.flat().sort((a, b) => a - b);
        expect(all).toHaveLength(n);
        expect(new Set(all).size).toBe(n);
        const jobs = await store.listJobs({ limit: 1000 });
        expect(jobs.every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
      } finally {
        for (const s of handles.slice(1)) await s.close();
      }
    });
  });
}
