/**
 * Gorse's write-back on a read route (`GET /api/recommend/{user}?write-back-type=…`) inserts
 * feedback, so it needs the write key whatever keys are configured; its delay and every posted
 * timestamp are bounded. Each case counts the stored feedback and users before and after, so a
 * refused request is shown to have written nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client } from './helpers.js';

const WRITE = 'wb-write';
const READ = 'wb-read';
let writeOnly: RunningServer;
let both: RunningServer;

async function seed(s: RunningServer): Promise<void> {
  const w = client(s.url, WRITE);
  const items = Array.from({ length: 8 }, (_, k) => ({ id: `i${k}`, text: { title: `item ${k}` } }));
  expect((await w.post('/v1/items', items)).status).toBe(200);
  const fb = items.map((it, k) => ({ user: `u${k % 3}`, item: it.id, type: 'click' }));
  expect((await w.post('/v1/feedback', fb)).status).toBe(200);
}

async function counts(s: RunningServer): Promise<{ users: number; feedback: number }> {
  const c = (await client(s.url, WRITE).get('/v1/status')).body;
  return { users: c.users, feedback: c.feedback };
}

const opts = { db: 'sqlite::memory:', port: 0, processMetrics: false, log: () => {} } as const;

beforeAll(async () => {
  writeOnly = await startServer({ ...opts, apiKey: WRITE });
  both = await startServer({ ...opts, apiKey: WRITE, readKey: READ });
  await seed(writeOnly);
  await seed(both);
});
afterAll(async () => {
  await writeOnly?.close();
  await both?.close();
});

describe('write-back on GET /api/recommend', () => {
  it('with only a write key set: reading is open, writing back without the key is 401 and writes nothing', async () => {
    const before = await counts(writeOnly);
    const anon = client(writeOnly.url);
    const read = await anon.get('/api/recommend/newcomer?n=3');
    expect(read.status).toBe(200);
    expect(read.body.length).toBeGreaterThan(0);
    for (const path of [
      '/api/recommend/newcomer?n=3&write-back-type=purchase',
      '/api/recommend/newcomer/?n=3&write-back-type=purchase&write-back-delay=10m',
    ]) {
      const r = await anon.get(path);
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
      expect(r.body.error.message).toContain('write-back-type');
    }
    expect(await counts(writeOnly)).toEqual(before);
    // The write key does write back: n rows, one new user.
    const ok = await client(writeOnly.url, WRITE).get('/api/recommend/newcomer?n=3&write-back-type=purchase');
    expect(ok.status).toBe(200);
    const after = await counts(writeOnly);
    expect(after.feedback).toBe(before.feedback + ok.body.length);
    expect(after.users).toBe(before.users + 1);
  });

  it('with a read key set: the read key cannot write back, the write key can', async () => {
    const before = await counts(both);
    const reader = client(both.url, READ);
    expect((await reader.get('/api/recommend/u1?n=2')).status).toBe(200);
    const denied = await reader.get('/api/recommend/someone?n=2&write-back-type=purchase');
    expect(denied.status).toBe(401);
    expect(await counts(both)).toEqual(before);
    const ok = await client(both.url, WRITE).get('/api/recommend/someone?n=2&write-back-type=read');
    expect(ok.status).toBe(200);
    expect((await counts(both)).feedback).toBe(before.feedback + ok.body.length);
  });

  it('bounds the delay: more than a year, or a number that overflows, is a 400 naming the field', async () => {
    const before = await counts(writeOnly);
    const w = client(writeOnly.url, WRITE);
    for (const delay of ['9999999h', `${'9'.repeat(400)}h`, '367d', 'soon']) {
      const r = await w.get(`/api/recommend/u1?write-back-type=purchase&write-back-delay=${delay}`);
      expect(r.status, delay).toBe(400);
      expect(r.body.error.field).toBe('write-back-delay');
    }
    expect(await counts(writeOnly)).toEqual(before);
    const r = await w.get('/api/recommend/u2?n=1&write-back-type=purchase&write-back-delay=1h');
    expect(r.status).toBe(200);
    const rows = (await w.get('/v1/users/u2/feedback?type=purchase')).body.feedback;
    const t = Date.parse(rows[0].timestamp) / 1000;
    expect(Math.abs(t - (Date.now() / 1000 + 3600))).toBeLessThan(60);
  });

  it('refuses feedback timestamps outside the years 1-9999 on both APIs', async () => {
    const before = await counts(writeOnly);
    const w = client(writeOnly.url, WRITE);
    const v1 = await w.post('/v1/feedback', [{ user: 'u1', item: 'i1', type: 'click', timestamp: 1e300 }]);
    expect(v1.status).toBe(400);
    expect(v1.body.error.field).toBe('[0].timestamp');
    const gorse = await w.post('/api/feedback', [
      { FeedbackType: 'click', UserId: 'u1', ItemId: 'i1', Timestamp: '99999999999999' },
    ]);
    expect(gorse.status).toBe(400);
    expect(await counts(writeOnly)).toEqual(before);
  });
});
