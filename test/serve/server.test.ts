/**
 * The server end to end: a real SQLite file filled from the demo generator, real encoders, real
 * trained models (FREEDOM with content, BPR ID-only), a real HTTP server on a free port.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { trainVersion } from '../../src/serve/train/train.js';
import { openStore } from '../../src/store/open.js';
import { client, type DemoDb, demoDb, type Json, until } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;
/** The content model (FREEDOM: explanations by modality, vectors for new items from content). */
let content = 0;
let bpr = 0;
const logs: string[] = [];

beforeAll(async () => {
  demo = await demoDb();
  const store = await openStore(`sqlite://${demo.db}`);
  bpr = (
    await trainVersion(store, {
      model: 'bpr',
      params: { dim: 16, lr: 0.01, batchSize: 128 },
      epochs: 20,
      patience: 5,
    })
  ).version;
  content = (
    await trainVersion(store, {
      model: 'freedom',
      params: { dim: 16, lr: 0.01, batchSize: 128, threads: 1 },
      epochs: 20,
      patience: 5,
      activate: true,
    })
  ).version;
  await store.close();
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    log: (l) => logs.push(l),
  });
  api = client(server.url);
});

afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((i) => i.id);

describe('health, status, metrics, OpenAPI', () => {
  it('answers live/ready/status and says the API is open', async () => {
    expect((await api.get('/v1/health/live')).body).toEqual({ status: 'ok' });
    expect((await api.get('/v1/health/ready')).body).toMatchObject({
      status: 'ok',
      model: { name: 'freedom', version: content },
    });
    const s = await api.get('/v1/status');
    expect(s.body).toMatchObject({
      model: { name: 'freedom', version: content },
      items: 60,
      users: 80,
      index: { kind: 'brute', size: 60, dim: 16 },
      auth: { writeKeyRequired: false, readKeyRequired: false },
      encoders: { text: 'builtin', image: 'builtin', audio: 'mfcc' },
    });
    expect(s.body.feedback).toBeGreaterThan(100);
    expect(logs.some((l) => l.includes('API is open (no key configured)'))).toBe(true);
  });

  it('serves the OpenAPI document generated from the schemas', async () => {
    const doc = (await api.get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/recommend/{userId}',
      '/v1/items',
      '/v1/feedback',
      '/api/feedback',
      '/v1/experiments/{id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'apiKey', name: 'X-API-Key' });
  });

  it('exposes Prometheus metrics per route', async () => {
    await api.get('/v1/recommend/user-0001');
    const m = (await api.get('/metrics')).body as string;
    expect(m).toContain(
      'fusionrec_http_requests_total{method="GET",route="/v1/recommend/:userId",status="200"}',
    );
    expect(m).toContain('fusionrec_http_request_duration_seconds_bucket');
    expect(m).toMatch(new RegExp(`fusionrec_model_version\\{model="freedom"\\} ${content}`));
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await api.get('/v1/nope');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});

describe('items', () => {
  it('rejects bad input naming the field and what was expected; writes nothing', async () => {
    const r = await api.post('/v1/items', [{ id: 'ok-1' }, { id: 7 }]);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_input', field: '[1].id' });
    expect(r.body.error.message).toMatch(/expected string/);
    expect((await api.get('/v1/items/ok-1')).status).toBe(404);
    const q = await api.get('/v1/recommend/user-0001?n=0');
    expect(q.status).toBe(400);
    expect(q.body.error.field).toBe('n');
    const esc = await api.post('/v1/items', [{ id: 'evil', image: '../../etc/passwd' }]);
    expect(esc.status).toBe(400);
    expect(esc.body.error).toMatchObject({ field: '[0].image' });
    expect(esc.body.error.message).toMatch(/inside the media root/);
    const bad = await api.post('/v1/items', '{not json', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
  });

  it('lists, filters, gets, patches and serves media', async () => {
    const all = await api.get('/v1/items?limit=5');
    expect(all.body.total).toBe(60);
    expect(all.body.items).toHaveLength(5);
    const first = all.body.items[0];
    expect(first).toMatchObject({
      id: 'item-0001',
      modalities: { text: 'present', image: 'present', audio: 'present' },
    });
    expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const cat = first.categories[0];
    const byCat = await api.get(`/v1/items?category=${cat}&limit=100`);
    expect(byCat.body.total).toBeGreaterThan(0);
    for (const it of byCat.body.items) expect(it.categories).toContain(cat);
    const word = first.text.title.split(' ')[0].toLowerCase();
    const byQ = await api.get(`/v1/items?q=${word}`);
    expect(byQ.body.items.map((i: Json) => i.id)).toContain('item-0001');
    expect((await api.get('/v1/items/item-0001')).body.id).toBe('item-0001');
    expect((await api.get('/v1/items/nope')).status).toBe(404);
    const img = await api.get('/v1/items/item-0001/media/image');
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Array.from((img.body as Uint8Array).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect((await api.get('/v1/items/item-0001/media/audio')).headers.get('content-type')).toBe('audio/wav');
    expect((await api.get('/v1/items/item-0001/media/video')).status).toBe(400);
  });

  it('hides an item from recommendations and brings it back', async () => {
    const top = ids(await api.get('/v1/recommend/user-0002?n=3'))[0]!;
    expect((await api.patch(`/v1/items/${top}`, { hidden: true })).body.hidden).toBe(true);
    expect(ids(await api.get('/v1/recommend/user-0002?n=60'))).not.toContain(top);
    await api.patch(`/v1/items/${top}`, { hidden: false });
    expect(ids(await api.get('/v1/recommend/user-0002?n=3'))[0]).toBe(top);
  });

  it('recommends a new item at once from its content (content model)', async () => {
    const src = JSON.parse(readFileSync(join(demo.catalog, 'items.jsonl'), 'utf8').split('\n')[4]!);
    const r = await api.post('/v1/items', [
      { id: 'new-1', text: src.text, image: src.image, audio: src.audio, categories: ['brand-new'] },
    ]);
    expect(r.body).toMatchObject({
      inserted: 1,
      updated: 0,
      encoded: { text: 1, image: 1, audio: 1 },
      failed: [],
    });
    const rec = await api.get('/v1/recommend/user-0003?category=brand-new&explain=true');
    expect(rec.body.source).toBe('model');
    expect(ids(rec)).toEqual(['new-1']);
    const e = rec.body.items[0].explanation;
    expect(e.collaborative).toBe(0);
    expect(e.modalities.content).toBeCloseTo(rec.body.items[0].score, 4);
    // and it is found by its picture
    const png = readFileSync(join(demo.catalog, src.image)).toString('base64');
    const found = await api.post('/v1/search', { image: png, n: 3 });
    expect(found.body.items.map((i: Json) => i.id)).toContain('new-1');
    expect(found.body.items[0]).toMatchObject({ modality: 'image' });
    expect(found.body.items[0].score).toBeCloseTo(1, 4);
  });

  it('uploads media into the media root and re-encodes', async () => {
    await api.post('/v1/items', [{ id: 'up-1', text: { title: 'Upload test' } }]);
    expect((await api.get('/v1/items/up-1')).body.modalities.image).toBe('missing');
    const png = readFileSync(join(demo.catalog, 'images', 'item-0002.png'));
    const r = await api.put('/v1/items/up-1/media/image', new Uint8Array(png), {
      'content-type': 'image/png',
    });
    expect(r.status).toBe(200);
    expect(r.body.image).toMatch(/^uploads\/.*-image\.png$/);
    expect(r.body.modalities.image).toBe('present');
    const back = await api.get('/v1/items/up-1/media/image');
    expect(Buffer.from(back.body as Uint8Array).equals(png)).toBe(true);
    const wrong = await api.put('/v1/items/up-1/media/image', new Uint8Array([1, 2]), {
      'content-type': 'text/plain',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe('Content-Type');
  });
});

describe('recommendations and feedback', () => {
  it('explains scores by collaborative part and modality', async () => {
    const r = await api.get('/v1/recommend/user-0005?n=5&explain=true&withItems=true');
    expect(r.body).toMatchObject({
      user: 'user-0005',
      source: 'model',
      model: { name: 'freedom', version: content },
    });
    for (const it of r.body.items) {
      expect(it.item.id).toBe(it.id);
      const e = it.explanation;
      expect(Object.keys(e.modalities).sort()).toEqual(['audio', 'image', 'text']);
      const sum =
        e.collaborative +
        e.bias +
        Object.values(e.modalities as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(it.score, 3);
    }
  });

  it('changes the next list after a feedback event, and never returns seen items', async () => {
    const before = ids(await api.get('/v1/recommend/user-0007?n=10'));
    const scoresBefore = (await api.get('/v1/recommend/user-0007?n=10&excludeSeen=false')).body.items;
    const seen = (await api.get('/v1/users/user-0007/feedback?limit=1000')).body.feedback.map(
      (f: Json) => f.item.id,
    );
    for (const id of before) expect(seen).not.toContain(id);
    const clicked = before[0]!;
    const fb = await api.post('/v1/feedback', [{ user: 'user-0007', item: clicked, type: 'click' }]);
    expect(fb.body).toEqual({ inserted: 1 });
    const after = ids(await api.get('/v1/recommend/user-0007?n=10'));
    expect(after).not.toContain(clicked);
    // the user's vector itself moved (fold-in), not only the clicked item left the list
    const scoresAfter = (await api.get('/v1/recommend/user-0007?n=10&excludeSeen=false')).body.items;
    expect(scoresAfter).not.toEqual(scoresBefore);
    const m = (await api.get('/metrics')).body as string;
    expect(m).toMatch(/fusionrec_feedback_events_total\{type="click"\} [1-9]/);
  });

  it('rejects feedback on an unknown item with a 404 naming it, writing nothing', async () => {
    const count = (await api.get('/v1/status')).body.feedback;
    const r = await api.post('/v1/feedback', [
      { user: 'user-0001', item: 'item-0001', type: 'click' },
      { user: 'user-0001', item: 'ghost', type: 'click' },
    ]);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 'not_found', field: '[1].item' });
    expect(r.body.error.message).toContain('"ghost"');
    expect((await api.get('/v1/status')).body.feedback).toBe(count);
  });

  it('gives unknown users the fallback and folds in a new user at once', async () => {
    const r = await api.get('/v1/recommend/stranger?n=5');
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('popular');
    const pop = ids(r);
    const liked = ids(await api.get('/v1/recommend/user-0009?n=3'));
    await api.post(
      '/v1/feedback',
      liked.map((item) => ({ user: 'stranger', item, type: 'like' })),
    );
    const after = await api.get('/v1/recommend/stranger?n=5');
    expect(after.body.source).toBe('model');
    expect(ids(after)).not.toEqual(pop);
    expect((await api.get('/v1/users/stranger')).body.feedbackCount).toBe(3);
  });

  it('recommends for an anonymous session without storing it', async () => {
    const users = (await api.get('/v1/status')).body.users;
    const r = await api.post('/v1/session/recommend', {
      feedback: [{ item: 'item-0003', type: 'click' }],
      n: 5,
    });
    expect(r.body).toMatchObject({ user: null, source: 'model' });
    expect(ids(r)).not.toContain('item-0003');
    expect((await api.get('/v1/status')).body.users).toBe(users);
  });

  it('finds similar items and searches by text and sound', async () => {
    const sim = await api.get('/v1/items/item-0010/similar?n=4&withItems=true');
    expect(sim.body.source).toBe('model');
    expect(sim.body.items).toHaveLength(4);
    expect(ids(sim)).not.toContain('item-0010');
    expect((await api.get('/v1/items/nope/similar')).status).toBe(404);
    const item = (await api.get('/v1/items/item-0011')).body;
    const s = await api.get(`/v1/search?q=${encodeURIComponent(item.text.title)}&n=5&withItems=true`);
    expect(s.body.items[0]).toMatchObject({ modality: 'text' });
    expect(s.body.items.map((i: Json) => i.id)).toContain('item-0011');
    const wav = readFileSync(join(demo.catalog, 'audio', 'item-0011.wav')).toString('base64');
    const a = await api.post('/v1/search', { audio: wav, n: 2 });
    expect(a.body.items[0]).toMatchObject({ id: 'item-0011', modality: 'audio' });
    expect((await api.post('/v1/search', { n: 2 })).status).toBe(400);
    expect((await api.post('/v1/search', { image: 'AAAA', n: 2 })).status).toBe(400);
  });
});

describe('models, training and atomic swaps', () => {
  it('lists versions with reports', async () => {
    const v = (await api.get('/v1/models')).body.versions;
    expect(v.map((x: Json) => [x.name, x.active])).toEqual([
      ['bpr', false],
      ['freedom', true],
    ]);
    const d = (await api.get(`/v1/models/${content}`)).body;
    expect(d.report.epochs[0]).toMatchObject({ epoch: 1 });
    expect(Object.keys(d.report.epochs[0].valid)).toEqual(['recall@20']);
    for (const k of ['recall@5', 'recall@10', 'recall@20', 'recall@50', 'ndcg@50'])
      expect(typeof d.report.test[k]).toBe('number');
    expect((await api.get('/v1/models/99')).status).toBe(404);
  });

  it('trains in the background and swaps atomically under concurrent requests', async () => {
    const bad = await api.post('/v1/models/train', { model: 'nope' });
    expect(bad.status).toBe(400);
    const r = await api.post('/v1/models/train', {
      model: 'bpr',
      params: { dim: 8, lr: 0.01, batchSize: 128 },
      epochs: 4,
      activate: true,
    });
    expect(r.status).toBe(202);
    const seen = new Set<number>();
    let stop = false;
    let errors = 0;
    const hammer = (async () => {
      while (!stop) {
        const rec = await api.get('/v1/recommend/user-0020?n=5');
        if (rec.status !== 200 || rec.body.items.length !== 5) errors++;
        else seen.add(rec.body.model.version);
      }
    })();
    const job = await until(async () => {
      const j = (await api.get(`/v1/jobs/${r.body.job}`)).body;
      return j.status === 'done' || j.status === 'failed' ? j : undefined;
    });
    stop = true;
    await hammer;
    expect(job.status).toBe('done');
    expect(errors).toBe(0);
    expect((await api.get('/v1/status')).body.model).toEqual({ name: 'bpr', version: job.version });
    for (const v of seen) expect([content, job.version]).toContain(v);
    // put the content model back for the other tests
    const act = await api.post(`/v1/models/${content}/activate`);
    expect(act.body).toEqual({ active: content });
    expect((await api.get('/v1/recommend/user-0020?n=1')).body.model.version).toBe(content);
  });
});

describe('A/B experiments', () => {
  it('buckets users, logs impressions and attributes clicks per arm', async () => {
    const bad = await api.post('/v1/experiments', {
      name: 'x',
      arms: [{ name: 'A', version: content, share: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('arms');
    const missing = await api.post('/v1/experiments', {
      name: 'x',
      arms: [
        { name: 'A', version: content, share: 1 },
        { name: 'B', version: 999, share: 1 },
      ],
    });
    expect(missing.status).toBe(404);
    const e = await api.post('/v1/experiments', {
      name: 'content-vs-bpr',
      arms: [
        { name: 'control', version: bpr, share: 0.5 },
        { name: 'content', version: content, share: 0.5 },
      ],
    });
    expect(e.status).toBe(200);
    const arms = new Map<string, string>();
    for (let u = 30; u < 70; u++) {
      const user = `user-00${u}`;
      const rec = await api.get(`/v1/recommend/${user}?n=5`);
      expect(rec.body.arm.experiment).toBe(e.body.id);
      expect(rec.body.impressionId).toBeTruthy();
      arms.set(user, rec.body.arm.arm);
      expect(rec.body.model.version).toBe(rec.body.arm.arm === 'control' ? bpr : content);
      // the same user always lands in the same arm
      expect((await api.get(`/v1/recommend/${user}?n=5`)).body.arm.arm).toBe(rec.body.arm.arm);
      if (u % 2 === 0) await api.post('/v1/feedback', [{ user, item: rec.body.items[0].id, type: 'click' }]);
      if (u % 5 === 0)
        await api.post('/v1/feedback', [{ user, item: rec.body.items[1].id, type: 'purchase' }]);
    }
    expect(new Set(arms.values())).toEqual(new Set(['control', 'content']));
    const rep = (await api.get(`/v1/experiments/${e.body.id}?bucket=60`)).body;
    expect(rep.arms.map((a: Json) => a.name)).toEqual(['control', 'content']);
    const total = rep.arms.reduce((s: number, a: Json) => s + a.impressions, 0);
    expect(total).toBe(80);
    expect(rep.arms.reduce((s: number, a: Json) => s + a.clicks, 0)).toBe(20);
    expect(rep.arms.reduce((s: number, a: Json) => s + a.conversions, 0)).toBe(8);
    for (const a of rep.arms) {
      expect(a.ctr).toBeCloseTo(a.clicks / a.impressions, 6);
      expect(a.ctrLow).toBeLessThanOrEqual(a.ctr);
      expect(a.ctrHigh).toBeGreaterThanOrEqual(a.ctr);
    }
    expect(rep.significance.test).toBeTruthy();
    expect(rep.timeseries.reduce((s: number, b: Json) => s + b.impressions, 0)).toBe(80);
    expect((await api.get('/v1/experiments')).body.experiments).toHaveLength(1);
    expect((await api.post(`/v1/experiments/${e.body.id}/stop`)).body.status).toBe('stopped');
    const after = await api.get('/v1/recommend/user-0031?n=5');
    expect(after.body.arm).toBeUndefined();
    expect(after.body.model.version).toBe(content);
  });
});

describe('Gorse-compatible API', () => {
  it('runs a Gorse client sequence', async () => {
    expect((await api.get('/api/health/live')).body).toMatchObject({ Ready: true, DataStoreConnected: true });
    expect((await api.post('/api/user', { UserId: 'g-user', Labels: ['vip'] })).body).toEqual({
      RowAffected: 1,
    });
    const items = await api.post('/api/items', [
      {
        ItemId: 'g-1',
        Categories: ['gorse'],
        Timestamp: '2024-01-02T03:04:05Z',
        Labels: { colour: 'red' },
        Comment: 'first',
      },
      { ItemId: 'g-2', Categories: ['gorse'], IsHidden: false, Comment: 'second' },
    ]);
    expect(items.body).toEqual({ RowAffected: 2 });
    expect((await api.post('/api/item', { ItemId: 'g-3', Categories: ['gorse'] })).body).toEqual({
      RowAffected: 1,
    });
    const fb = await api.post('/api/feedback', [
      { FeedbackType: 'click', UserId: 'g-user', ItemId: 'item-0001', Timestamp: '2024-01-03T00:00:00Z' },
      { FeedbackType: 'like', UserId: 'g-user', ItemId: 'item-0002' },
    ]);
    expect(fb.body).toEqual({ RowAffected: 2 });
    const rec = await api.get('/api/recommend/g-user?n=3');
    expect(rec.status).toBe(200);
    expect(rec.body).toHaveLength(3);
    for (const id of rec.body) expect(typeof id).toBe('string');
    expect(rec.body).not.toContain('item-0001');
    const inCat = await api.get('/api/recommend/g-user/gorse?n=10');
    expect(new Set(inCat.body)).toEqual(new Set(['g-1', 'g-2', 'g-3']));
    // write-back: the returned items are marked read, so the next call returns others
    const first = (await api.get('/api/recommend/g-user?n=2&write-back-type=read&write-back-delay=10m')).body;
    const next = (await api.get('/api/recommend/g-user?n=2')).body;
    for (const id of first) expect(next).not.toContain(id);
    expect(
      (await api.get('/api/recommend/g-user?n=2&write-back-type=read&write-back-delay=soon')).status,
    ).toBe(400);
    const nb = await api.get('/api/item/item-0001/neighbors?n=3');
    expect(nb.body).toHaveLength(3);
    expect(Object.keys(nb.body[0]).sort()).toEqual(['Id', 'Score']);
    expect((await api.get('/api/item/item-0001/neighbors/?n=2')).body).toHaveLength(2);
    const item = (await api.get('/api/item/g-1')).body;
    expect(item).toMatchObject({
      ItemId: 'g-1',
      Categories: ['gorse'],
      Labels: ['colour=red'],
      Comment: 'first',
    });
    expect(item.Timestamp).toBe('2024-01-02T03:04:05.000Z');
    expect((await api.get('/api/user/g-user')).body).toMatchObject({ UserId: 'g-user', Labels: ['vip'] });
    expect((await api.get('/api/popular?n=2')).body).toHaveLength(2);
    const bad = await api.post('/api/feedback', [{ UserId: 'g-user', ItemId: 'g-1' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('[0].FeedbackType');
    expect((await api.del('/api/item/g-3')).body).toEqual({ RowAffected: 1 });
    expect((await api.get('/api/item/g-3')).status).toBe(404);
  });
});

describe('data protection and reports', () => {
  it('deleting a user removes their feedback, vectors, impressions and logs', async () => {
    await api.post('/v1/feedback', [{ user: 'leaver', item: 'item-0004', type: 'click' }]);
    await api.get('/v1/recommend/leaver?n=3');
    // request logs carry the user's pseudonym (serve/engine/operator-state), deleted with the user
    const logged = server.engine.operator.logUser('leaver');
    expect((await server.store.userRequestLogCount(logged)) > 0).toBe(true);
    expect((await api.del('/v1/users/leaver')).body).toEqual({ deleted: 'leaver' });
    expect((await api.get('/v1/users/leaver')).status).toBe(404);
    expect(await server.store.userFeedback('leaver')).toEqual([]);
    expect(await server.store.userRequestLogCount(logged)).toBe(0);
    expect((await server.store.userVectors(content)).has('leaver')).toBe(false);
    expect(await server.store.recentImpressions('leaver', 0)).toEqual([]);
    expect((await api.get('/v1/recommend/leaver?n=3')).body.source).toBe('popular');
    // a trained user too
    await api.del('/v1/users/user-0012');
    expect((await server.store.modelIds(content)).users.has('user-0012')).toBe(false);
    expect((await api.get('/v1/recommend/user-0012?n=3')).body.source).toBe('popular');
  });

  it('stores and lists reports', async () => {
    const r = await api.post('/v1/reports', { kind: 'experiment', title: 'demo run', body: { results: [] } });
    expect(r.body).toMatchObject({ kind: 'experiment', title: 'demo run' });
    expect((await api.get('/v1/reports')).body.reports.map((x: Json) => x.id)).toContain(r.body.id);
    expect((await api.get(`/v1/reports/${r.body.id}`)).body.body).toEqual({ results: [] });
    expect((await api.post('/v1/reports', { kind: 'bogus', title: 't', body: 1 })).body.error.field).toBe(
      'kind',
    );
  });

  it('starts experiments from a config file (once)', async () => {
    const file = join(demo.dir, 'ab.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          name: 'from-file',
          arms: [
            { name: 'a', version: bpr, share: 1 },
            { name: 'b', version: content, share: 3 },
          ],
        },
      ]),
    );
    for (let round = 0; round < 2; round++) {
      const other = await startServer({
        db: `sqlite://${demo.db}`,
        port: 0,
        webRoot: false,
        experimentsFile: file,
        log: () => {},
      });
      try {
        const list = (await client(other.url).get('/v1/experiments')).body.experiments;
        expect(list.filter((e: Json) => e.name === 'from-file')).toHaveLength(1);
      } finally {
        await other.close();
      }
    }
  });

  it('takes JSON without a content type (curl -d)', async () => {
    const res = await fetch(`${server.url}/v1/users`, {
      method: 'POST',
      body: JSON.stringify([{ id: 'curl-user' }]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ inserted: 1, updated: 0 });
  });
});
