/**
 * A fresh server: API keys on, a small body limit, no model yet (fallbacks), the dashboard's
 * static files with SPA fallback, training in-process over an in-memory store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client, type Json, until } from './helpers.js';

let server: RunningServer;
let dir = '';
const logs: string[] = [];
const WRITE = 'w-secret';
const READ = 'r-secret';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-auth-'));
  mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>dash</title>');
  writeFileSync(join(dir, 'web', 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({
    db: 'sqlite::memory:',
    port: 0,
    apiKey: WRITE,
    readKey: READ,
    bodyLimit: 4096,
    webRoot: join(dir, 'web'),
    corsOrigins: ['https://shop.example'],
    mediaRoot: join(dir, 'media'),
    processMetrics: false,
    log: (l) => logs.push(l),
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('API keys', () => {
  it('needs the write key for writes and a key for reads; health is open', async () => {
    const anon = client(server.url);
    const reader = client(server.url, READ);
    const writer = client(server.url, WRITE);
    expect(logs.join('\n')).not.toContain('API is open');
    expect((await anon.get('/v1/health/live')).status).toBe(200);
    expect((await anon.get('/api/health/ready')).status).toBe(200);
    expect((await anon.get('/metrics')).status).toBe(200);
    const denied = await anon.get('/v1/items');
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe('unauthorized');
    expect((await client(server.url, 'wrong').get('/v1/items')).status).toBe(401);
    expect((await reader.get('/v1/items')).status).toBe(200);
    expect((await writer.get('/v1/items')).status).toBe(200);
    expect((await reader.post('/v1/items', [{ id: 'a' }])).status).toBe(401);
    expect((await anon.post('/api/items', [{ ItemId: 'a' }])).status).toBe(401);
    expect((await writer.post('/v1/items', [{ id: 'a', text: { title: 'first item' } }])).status).toBe(200);
    expect((await reader.get('/v1/status')).body.auth).toEqual({
      writeKeyRequired: true,
      readKeyRequired: true,
    });
  });

  it('answers CORS preflights for the configured origin only', async () => {
    const pre = await fetch(`${server.url}/v1/recommend/u1`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-api-key',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('X-API-Key');
    const other = await fetch(`${server.url}/v1/health/live`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects bodies over the limit with 413', async () => {
    const writer = client(server.url, WRITE);
    const big = Array.from({ length: 200 }, (_, i) => ({ id: `big-${i}`, text: { title: 'x'.repeat(40) } }));
    const r = await writer.post('/v1/items', big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
    expect((await writer.get('/v1/items/big-0')).status).toBe(404);
  });
});

describe('a database without a model', () => {
  it('answers from the first minute: latest, then popular, excluding seen items', async () => {
    const w = client(server.url, WRITE);
    await w.post('/v1/items', [
      { id: 'b', text: { title: 'second item' }, timestamp: 200 },
      { id: 'c', text: { title: 'third item' }, timestamp: '2030-01-01T00:00:00Z' },
    ]);
    let r = await w.get('/v1/recommend/nobody?n=3');
    expect(r.body).toMatchObject({ source: 'latest', model: null });
    expect(r.body.items.map((i: Json) => i.id)).toEqual(['c', 'a', 'b']);
    await w.post('/v1/feedback', [
      { user: 'x', item: 'b', type: 'click' },
      { user: 'y', item: 'b', type: 'click' },
      { user: 'y', item: 'a', type: 'click' },
    ]);
    r = await w.get('/v1/recommend/x?n=3');
    expect(r.body.source).toBe('popular');
    expect(r.body.items.map((i: Json) => i.id)).toEqual(['a', 'c']);
    expect((await w.get('/v1/health/ready')).body).toMatchObject({ status: 'ok', model: null });
    const sim = await w.get('/v1/items/a/similar?n=2');
    expect(sim.body.source).toBe('content');
    expect(sim.body.items).toHaveLength(2);
  });

  it('trains in-process over an in-memory store and swaps the model in', async () => {
    const w = client(server.url, WRITE);
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `t${i}`, text: { title: `track ${i % 3}` } }));
    await w.post('/v1/items', items);
    const fb = [];
    for (let u = 0; u < 12; u++)
      for (let k = 0; k < 4; k++) fb.push({ user: `u${u}`, item: `t${(u + 3 * k) % 12}`, type: 'click' });
    await w.post('/v1/feedback', fb);
    const job = await w.post('/v1/models/train', {
      model: 'bpr',
      params: { dim: 4 },
      epochs: 2,
      patience: 1,
      activate: true,
    });
    expect(job.status).toBe(202);
    const done = await until(async () => {
      const j = (await w.get(`/v1/jobs/${job.body.job}`)).body;
      return j.status === 'done' || j.status === 'failed' ? j : undefined;
    });
    expect(done).toMatchObject({ status: 'done', model: 'bpr' });
    expect((await w.get('/v1/recommend/u1?n=2')).body).toMatchObject({
      source: 'model',
      model: { version: done.version },
    });
    expect((await w.get('/v1/jobs/nope')).status).toBe(404);
    const pop = await w.post('/v1/models/train', { model: 'popularity' });
    expect(pop.status).toBe(400);
    expect(pop.body.error.message).toMatch(/"popularity" cannot be served.*servable models: bpr/);
    expect((await w.get('/v1/status')).body.model.version).toBe(done.version);
  });
});

describe('dashboard files', () => {
  it('serves dist/web with SPA fallback, never for API paths', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<title>dash</title>');
    const js = await fetch(`${server.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    const deep = await fetch(`${server.url}/items/some-item`);
    expect(await deep.text()).toContain('<title>dash</title>');
    const outside = await fetch(`${server.url}/..%2f..%2fetc/passwd`);
    expect(await outside.text()).toContain('<title>dash</title>');
    const api = await fetch(`${server.url}/v1/does-not-exist`, { headers: { 'x-api-key': READ } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as Json).error.code).toBe('not_found');
  });
});
