/**
 * Users' data end to end on real servers: the export (right of access) and its key, request logs
 * pseudonymised with a keyed HMAC (checked against an HMAC computed here) and deleted with the
 * user, opt-out of personalisation honoured by the native and Gorse routes (non-personalised list,
 * no feedback, no impressions, no user in request logs) and opt-in, and the retention job run by
 * the server's timer with a one-second age.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client, type Json, until } from './helpers.js';

const WRITE = 'privacy-write-secret';
const READ = 'privacy-read-secret';
const LOG_KEY = 'privacy-log-key';
let dir = '';
let server: RunningServer;
let reader: ReturnType<typeof client>;
let writer: ReturnType<typeof client>;

/** The pseudonym, computed independently of the server's code. */
const pseudonym = (user: string) =>
  `p:${createHmac('sha256', LOG_KEY).update(user).digest('hex').slice(0, 32)}`;

/** Items i0..i5 and feedback giving popularity i0 6, i1 5, ... i5 1 from users u0..u5. */
async function seed(api: ReturnType<typeof client>): Promise<void> {
  const items = Array.from({ length: 6 }, (_, k) => ({
    id: `i${k}`,
    text: { title: `item ${k}` },
    categories: ['c'],
  }));
  expect((await api.post('/v1/items', items)).status).toBe(200);
  const feedback = [];
  for (let k = 0; k < 6; k++)
    for (let u = 0; u < 6 - k; u++) feedback.push({ user: `u${u}`, item: `i${k}`, type: 'click' });
  expect((await api.post('/v1/feedback', feedback)).status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-privacy-'));
  server = await startServer({
    db: `sqlite://${join(dir, 'shop.db')}`,
    create: true,
    port: 0,
    apiKey: WRITE,
    readKey: READ,
    webRoot: false,
    processMetrics: false,
    logAllImpressions: true,
    privacy: { logKey: LOG_KEY },
    log: () => {},
  });
  reader = client(server.url, READ);
  writer = client(server.url, WRITE);
  await seed(writer);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('export (right of access)', () => {
  it('needs the write key and returns feedback, impressions and pseudonymised request logs', async () => {
    const rec = await reader.get('/v1/recommend/u1?n=3');
    expect(rec.body.impressionId).toBeDefined();
    expect((await client(server.url).get('/v1/users/u1/export')).status).toBe(401);
    expect((await reader.get('/v1/users/u1/export')).status).toBe(401);
    const x = await writer.get('/v1/users/u1/export');
    expect(x.status).toBe(200);
    expect(x.body.user.id).toBe('u1');
    expect(x.body.optedOut).toBe(false);
    // u1 clicked i0..i4 (items k with 6 - k > 1)
    expect(x.body.feedback.map((f: Json) => f.item).sort()).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
    expect(x.body.impressions.map((i: Json) => i.id)).toContain(rec.body.impressionId);
    const logs = x.body.requestLogs as Json[];
    expect(logs.some((l) => l.route === '/v1/recommend/:userId')).toBe(true);
    expect(new Set(logs.map((l) => l.user))).toEqual(new Set([pseudonym('u1')]));
    expect((await writer.get('/v1/users/nobody/export')).status).toBe(404);
  });

  it('keeps user ids out of request logs and deletes the pseudonymised logs with the user', async () => {
    await reader.get('/v1/recommend/u3?n=2');
    const store = server.store;
    expect(await store.userRequestLogCount('u3')).toBe(0);
    expect(await store.userRequestLogCount(pseudonym('u3'))).toBeGreaterThan(0);
    expect((await writer.del('/v1/users/u3')).status).toBe(200);
    expect(await store.userRequestLogCount(pseudonym('u3'))).toBe(0);
  });
});

describe('opt-out of personalisation', () => {
  it('serves the non-personalised list, stores no feedback, impressions or user in logs; opt-in restores', async () => {
    const store = server.store;
    const visitor = (await reader.get('/v1/recommend/nobody-yet?n=6')).body;
    expect((await reader.post('/v1/users/u0/opt-out')).status).toBe(401);
    expect((await writer.post('/v1/users/u0/opt-out')).body).toEqual({ user: 'u0', optedOut: true });
    const logsBefore = await store.userRequestLogCount(pseudonym('u0'));
    const feedbackBefore = (await store.userFeedback('u0')).length;
    const impressionsBefore = (await store.exportUser('u0', [])).impressions.length;

    // u0 has seen every item: a personalised list would exclude them all; the popular list does not
    const r = await reader.get('/v1/recommend/u0?n=6');
    expect(r.body.source).toBe('popular');
    expect(r.body.impressionId).toBeUndefined();
    expect(r.body.items.map((i: Json) => i.id)).toEqual(visitor.items.map((i: Json) => i.id));
    expect(await reader.get('/api/recommend/u0?n=6').then((g) => g.body)).toEqual(
      visitor.items.map((i: Json) => i.id),
    );
    expect((await writer.post('/v1/feedback', [{ user: 'u0', item: 'i5', type: 'click' }])).body).toEqual({
      inserted: 0,
      ignored: 1,
    });
    expect(
      (await writer.post('/api/feedback', [{ UserId: 'u0', ItemId: 'i5', FeedbackType: 'click' }])).body,
    ).toEqual({ RowAffected: 0 });
    // a mixed batch stores the other users' rows
    expect(
      (
        await writer.post('/v1/feedback', [
          { user: 'u0', item: 'i5', type: 'click' },
          { user: 'u1', item: 'i5', type: 'click' },
        ])
      ).body,
    ).toEqual({ inserted: 1, ignored: 1 });
    expect((await store.userFeedback('u0')).length).toBe(feedbackBefore);
    expect(await store.userRequestLogCount(pseudonym('u0'))).toBe(logsBefore);
    const x = await writer.get('/v1/users/u0/export');
    expect(x.body.optedOut).toBe(true);
    expect(x.body.impressions.length).toBe(impressionsBefore);

    expect((await writer.post('/v1/users/u0/opt-in')).body).toEqual({ user: 'u0', optedOut: false });
    expect((await writer.post('/v1/feedback', [{ user: 'u0', item: 'i5', type: 'click' }])).body).toEqual({
      inserted: 1,
    });
    expect((await reader.get('/v1/recommend/u0?n=3')).body.impressionId).toBeDefined();
  });
});

describe('retention', () => {
  it('the server timer aggregates old raw feedback, deletes old request logs, and popularity stays', async () => {
    const other = await startServer({
      db: `sqlite://${join(dir, 'retention.db')}`,
      create: true,
      port: 0,
      webRoot: false,
      processMetrics: false,
      retentionDays: 1 / 86_400, // one second
      retentionIntervalMs: 200,
      log: () => {},
    });
    try {
      const api = client(other.url);
      await seed(api);
      await api.get('/v1/recommend/u1?n=2');
      const store = other.store;
      await until(async () => ((await store.counts()).feedback === 0 ? true : undefined), 15_000);
      expect(await store.feedbackAggregates()).toEqual(
        Array.from({ length: 6 }, (_, k) => ({ item: `i${k}`, type: 'click', count: 6 - k })),
      );
      await until(async () =>
        (await store.userRequestLogCount(other.engine.operator.logUser('u1'))) === 0 ? true : undefined,
      );
      // the engine reloaded: histories are gone, popularity comes from the aggregates
      const r = (await api.get('/v1/recommend/u1?n=6')).body;
      expect(r.source).toBe('popular');
      expect(r.items.map((i: Json) => [i.id, i.score])).toEqual(
        Array.from({ length: 6 }, (_, k) => [`i${k}`, 6 - k]),
      );
    } finally {
      await other.close();
    }
  }, 60_000);
});
