/**
 * Operator traps (issue 13) on a real server over a real SQLite file: training through the API is
 * checked before it is accepted and does not go live unless asked; the training queue is bounded;
 * a mistyped database path and a busy port are refused with clear messages; the status feedback
 * rate counts live traffic only.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client, type DemoDb, demoDb, type Json, until } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  demo = await demoDb();
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    processMetrics: false,
    trainInWorker: false,
    trainQueue: 1,
    trainMaxDim: 256,
    trainMaxEpochs: 50,
    log: () => {},
  });
  api = client(server.url);
});

afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

const finished = (job: string) =>
  until(async () => {
    const j = (await api.get(`/v1/jobs/${job}`)).body;
    return j.status === 'done' || j.status === 'failed' ? j : undefined;
  });

const small = { dim: 4, lr: 0.01, batchSize: 128 };

describe('POST /v1/models/train checks the request before answering', () => {
  it('400 for an unknown parameter, naming it, the value and the valid ones', async () => {
    const r = await api.post('/v1/models/train', { model: 'bpr', params: { dimension: 32 } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/unknown parameter "dimension". Valid parameters: dim, lr/);
    expect((await api.get('/v1/jobs')).body.jobs).toEqual([]);
  });

  it('400 for a wrong type or range, quoting the value given', async () => {
    const big = await api.post('/v1/models/train', { model: 'bpr', params: { dim: 'big' } });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/parameter "dim" must be an integer >= 1, got "big"/);
    const choice = await api.post('/v1/models/train', { model: 'bpr', params: { loss: 'mse' } });
    expect(choice.status).toBe(400);
    expect(choice.body.error.message).toMatch(/"loss" must be one of "bpr", "bce", got "mse"/);
  });

  it('400 for a model that cannot be served, before training it', async () => {
    const r = await api.post('/v1/models/train', { model: 'popularity' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/"popularity" cannot be served.*servable models: .*freedom/);
  });

  it('400 beyond the server limits on dim and epochs', async () => {
    const dim = await api.post('/v1/models/train', { model: 'bpr', params: { dim: 100000 } });
    expect(dim.status).toBe(400);
    expect(dim.body.error.message).toMatch(
      /"dim" must be an integer from 1 to 256 on this server, got 100000/,
    );
    const epochs = await api.post('/v1/models/train', { model: 'bpr', epochs: 5000 });
    expect(epochs.status).toBe(400);
    expect(epochs.body.error.message).toMatch(
      /"epochs" must be an integer from 1 to 50 on this server, got 5000/,
    );
    expect((await api.get('/v1/jobs')).body.jobs).toEqual([]);
  });
});

describe('activation policy', () => {
  it('keeps a trained version inactive by default; activate: true serves it; if-better compares', async () => {
    expect((await api.get('/v1/status')).body.model).toBeNull();
    const quiet = await api.post('/v1/models/train', { model: 'bpr', params: small, epochs: 2 });
    expect(quiet.status).toBe(202);
    const q = await finished(quiet.body.job);
    expect(q).toMatchObject({ status: 'done', activate: 'never', activated: false });
    expect(q.activation).toMatch(/stored inactive; POST \/v1\/models\/\d+\/activate serves it/);
    expect((await api.get('/v1/status')).body.model).toBeNull();
    expect((await api.get('/v1/models')).body.versions.map((v: Json) => v.active)).toEqual([false]);

    const live = await api.post('/v1/models/train', {
      model: 'bpr',
      params: small,
      epochs: 2,
      activate: true,
    });
    const l = await finished(live.body.job);
    expect(l).toMatchObject({ status: 'done', activate: 'always', activated: true });
    expect((await api.get('/v1/status')).body.model).toEqual({ name: 'bpr', version: l.version });

    // the same recipe and seed reach the same validation score: not better, so not activated
    const same = await api.post('/v1/models/train', {
      model: 'bpr',
      params: small,
      epochs: 2,
      activate: 'if-better',
    });
    const s = await finished(same.body.job);
    expect(s).toMatchObject({ status: 'done', activate: 'if-better', activated: false });
    expect(s.activation).toMatch(
      /if-better: not better \(valid recall@20 [\d.]+ against [\d.]+ of active version/,
    );
    expect((await api.get('/v1/status')).body.model.version).toBe(l.version);
  });

  it('bounds the queue: beyond it, 429 with the numbers and the flag', async () => {
    const replies = [];
    for (let k = 0; k < 4; k++)
      replies.push(await api.post('/v1/models/train', { model: 'bpr', params: small, epochs: 1 }));
    const refused = replies.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body.error.message).toMatch(/too many training jobs queued .*--train-queue/);
    for (const r of replies.filter((x) => x.status === 202)) await finished(r.body.job);
  });
});

describe('status feedback rate', () => {
  it('counts feedback posted to this server, not the history imported a moment ago', async () => {
    const before = (await api.get('/v1/status')).body;
    expect(before.feedback).toBeGreaterThan(100);
    expect(before.feedbackPerMinute).toBe(0);
    const r = await api.post('/v1/feedback', [
      { user: 'user-0001', item: 'item-0002', type: 'click' },
      { user: 'user-0002', item: 'item-0003', type: 'click' },
      { user: 'user-0003', item: 'item-0004', type: 'click' },
    ]);
    expect(r.status).toBeLessThan(300);
    expect((await api.get('/v1/status')).body.feedbackPerMinute).toBe(3);
  });
});

describe('start-up traps', () => {
  it('refuses a database file that does not exist unless create is set, and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusionrec-nodb-'));
    try {
      const file = join(dir, 'no', 'such.db');
      await expect(startServer({ db: `sqlite://${file}`, port: 0, webRoot: false })).rejects.toThrow(
        `no database at ${file} (--db sqlite://${file}): check the path, or pass --create`,
      );
      expect(existsSync(file)).toBe(false);
      const fresh = join(dir, 'new.db');
      const s = await startServer({
        db: `sqlite://${fresh}`,
        create: true,
        port: 0,
        webRoot: false,
        processMetrics: false,
        log: () => {},
      });
      await s.close();
      expect(existsSync(fresh)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a busy port and the flag that changes it', async () => {
    await expect(
      startServer({
        db: `sqlite://${demo.db}`,
        port: server.port,
        webRoot: false,
        processMetrics: false,
        log: () => {},
      }),
    ).rejects.toThrow(
      `port ${server.port} on 127.0.0.1 is already in use (another server?): stop it, or choose another port with --port`,
    );
  });
});
