/**
 * `fusionrec worker` and the store's durable job queue, with real processes, on SQLite (a file)
 * and PostgreSQL (a schema of the test's own, dropped afterwards): a server started with
 * `--jobs queue` enqueues `POST /v1/models/train`, a worker child trains it, the version appears
 * and, activated, is served by the server (its change follower); two workers drain N jobs, each
 * run exactly once; a worker SIGKILLed mid-training leaves the active model as it was and its job
 * is claimed again by another worker once the 2 s lease expires, or fails once its attempts are
 * spent; SIGTERM releases a running job to the queue and exits 0.
 *
 * PostgreSQL at 127.0.0.1:5432 (FUSIONREC_TEST_PG); FUSIONREC_NO_POSTGRES=1 skips its half.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { generateDemo } from '../../src/demo/generate.js';
import { client, type Json, until } from '../serve/helpers.js';
import {
  pgSchema,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
  type WorkerProcess,
} from './processes.js';

const noPostgres = process.env.FUSIONREC_NO_POSTGRES === '1';
if (noPostgres) console.warn('worker test on PostgreSQL skipped: FUSIONREC_NO_POSTGRES=1');

/** A training request that takes a few seconds (so that a worker can be killed in the middle). */
const LONG = { model: 'bpr', epochs: 1000, patience: 1000, params: { dim: 64 } };
/** A quick one. */
const SHORT = { model: 'bpr', epochs: 2 };
const WORKER_FLAGS = ['--lease', '2', '--poll', '200'];

interface Backend {
  name: string;
  skip: boolean;
  /** Makes a store URL; `drop` removes it. */
  make(dir: string): Promise<{ url: string; drop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    make: async (dir) => ({ url: `sqlite://${join(dir, 'shop.db')}`, drop: async () => {} }),
  },
  {
    name: 'postgres',
    skip: noPostgres,
    make: async () => pgSchema(),
  },
];

describe.each(backends)('fusionrec worker on $name', (backend) => {
  let dir = '';
  let db: { url: string; drop(): Promise<void> };
  let server: ServerProcess;
  const workers: WorkerProcess[] = [];
  const api = () => client(server.url);
  const worker = async (...extra: string[]) => {
    const w = await startWorkerProcess(['--db', db.url, ...WORKER_FLAGS, ...extra]);
    workers.push(w);
    return w;
  };
  const job = async (id: string): Promise<Json> => (await api().get(`/v1/jobs/${id}`)).body;
  const finished = (id: string, ms = 90_000) =>
    until(async () => {
      const j = await job(id);
      return j.status === 'done' || j.status === 'failed' ? j : undefined;
    }, ms);
  const activeVersion = async (): Promise<number | undefined> =>
    (await api().get('/v1/status')).body.model?.version;

  beforeAll(async () => {
    if (backend.skip) return;
    dir = mkdtempSync(join(tmpdir(), 'fusionrec-worker-'));
    db = await backend.make(dir);
    await generateDemo(join(dir, 'catalog'), { items: 80, users: 100, seed: 11 });
    const imp = runCli(['import', join(dir, 'catalog'), '--db', db.url, '--workers', '1'], 180_000);
    expect(imp.status, imp.stderr + imp.stdout).toBe(0);
    const tr = runCli(['train', '--db', db.url, '--model', 'bpr', '--epochs', '3', '-q'], 180_000);
    expect(tr.status, tr.stderr + tr.stdout).toBe(0);
    server = await startServerProcess(['--db', db.url, '--jobs', 'queue', '--train-queue', '20']);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await server?.kill('SIGKILL');
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it.skipIf(backend.skip)(
    'a queued training job is run by a worker; activated, the server serves it',
    async () => {
      expect(await activeVersion()).toBe(1);
      const posted = await api().post('/v1/models/train', { ...SHORT, activate: true });
      expect(posted.status).toBe(202);
      const id = posted.body.job as string;
      // queued in the store: the server answers about it before any worker exists
      expect(await job(id)).toMatchObject({
        id,
        kind: 'train',
        status: 'queued',
        model: 'bpr',
        activate: 'always',
      });
      expect((await api().get('/v1/status')).body.jobs).toEqual({ running: 0, queued: 1 });
      const w = await worker();
      const done = await finished(id);
      expect(done).toMatchObject({ status: 'done', activated: true, activation: 'activate: always' });
      expect(done.version).toBeGreaterThan(1);
      const versions = (await api().get('/v1/models')).body.versions as Json[];
      expect(versions.map((v) => v.version)).toContain(done.version);
      // the worker activated it in the store; the server's follower serves it within ~a second
      await until(async () => ((await activeVersion()) === done.version ? true : undefined), 10_000);
      const rec = await api().get('/v1/recommend/u1?n=5');
      expect(rec.status).toBe(200);
      // a bad request is refused by the server at once, nothing queued
      const bad = await api().post('/v1/models/train', { model: 'bpr', params: { dim: 99999 } });
      expect(bad.status).toBe(400);
      expect(await w.kill('SIGTERM')).toBe(0);
      expect(w.output()).toMatch(/stopped/);
    },
    180_000,
  );

  it.skipIf(backend.skip)(
    'two workers drain N jobs, each job run exactly once',
    async () => {
      const n = 6;
      const ids: string[] = [];
      for (let k = 0; k < n; k++) {
        const r = await api().post('/v1/models/train', { ...SHORT, seed: k, activate: false });
        expect(r.status).toBe(202);
        ids.push(r.body.job);
      }
      const [a, b] = await Promise.all([worker('--id', 'wa'), worker('--id', 'wb')]);
      const jobs = await Promise.all(ids.map((id) => finished(id)));
      expect(jobs.every((j) => j.status === 'done')).toBe(true);
      // one version per job, no job run twice
      expect(new Set(jobs.map((j) => j.version)).size).toBe(n);
      const logs = a!.output() + b!.output();
      for (const id of ids) {
        expect(logs.match(new RegExp(`job ${id} \\(train\\) claimed`, 'g')), logs).toHaveLength(1);
        expect(logs.match(new RegExp(`job ${id} done`, 'g'))).toHaveLength(1);
      }
      await Promise.all([a!.kill('SIGTERM'), b!.kill('SIGTERM')]);
    },
    180_000,
  );

  it.skipIf(backend.skip)(
    'a worker killed mid-training: the active model is untouched and another worker runs the job again',
    async () => {
      const before = await activeVersion();
      const versionsBefore = ((await api().get('/v1/models')).body.versions as Json[]).length;
      const a = await worker('--id', 'doomed');
      const r = await api().post('/v1/models/train', { ...LONG, activate: true });
      const id = r.body.job as string;
      await until(async () => {
        const j = await job(id);
        return j.phase === 'train' && j.epoch >= 5 ? true : undefined;
      }, 60_000);
      expect(await a.kill('SIGKILL')).toBe(null);
      // nothing activated, nothing stored; the job still says running until its lease expires
      await new Promise((res) => setTimeout(res, 500));
      expect(await activeVersion()).toBe(before);
      expect(((await api().get('/v1/models')).body.versions as Json[]).length).toBe(versionsBefore);
      expect((await job(id)).status).toBe('running');
      const b = await worker('--id', 'rescuer');
      const done = await finished(id);
      expect(done).toMatchObject({ status: 'done', activated: true });
      expect(b.output()).toMatch(new RegExp(`job ${id} \\(train\\) claimed by rescuer/0, attempt 2/2`));
      await until(async () => ((await activeVersion()) === done.version ? true : undefined), 10_000);
      await b.kill('SIGTERM');
    },
    240_000,
  );

  it.skipIf(backend.skip)(
    'a job whose workers keep dying fails after its attempts; SIGTERM releases a running job',
    async () => {
      const before = await activeVersion();
      const r = await api().post('/v1/models/train', { ...LONG, activate: true });
      const id = r.body.job as string;
      const training = () =>
        until(async () => {
          const j = await job(id);
          return j.status === 'running' && j.phase === 'train' ? true : undefined;
        }, 60_000);
      for (const name of ['k1', 'k2']) {
        const w = await worker('--id', name);
        await training();
        await w.kill('SIGKILL');
        await new Promise((res) => setTimeout(res, 2500)); // the 2 s lease expires
      }
      // the next claimer marks it failed instead of running it a third time
      const c = await worker('--id', 'k3', '--grace', '0');
      const failed = await finished(id, 20_000);
      expect(failed).toMatchObject({ status: 'failed', error: 'worker lost (lease expired) 2 times' });
      expect(await activeVersion()).toBe(before);

      // SIGTERM (no grace): the running job goes back to the queue, the attempt not counted; exit 0
      const r2 = await api().post('/v1/models/train', { ...LONG, activate: false });
      const id2 = r2.body.job as string;
      await until(async () => ((await job(id2)).phase === 'train' ? true : undefined), 60_000);
      expect(await c.kill('SIGTERM')).toBe(0);
      expect(c.output()).toMatch(new RegExp(`job ${id2}: released to the queue`));
      expect((await job(id2)).status).toBe('queued');
    },
    240_000,
  );
});
