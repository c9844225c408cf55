/**
 * Operator control end to end on a real server (SQLite file, API keys on, no model: the popular
 * list, whose scores are the items' positive-feedback counts, so every expected order below is
 * worked out by hand): business rules on /v1/recommend and Gorse's /api/recommend, their
 * explanation, segments, rules written by another process reaching the server through the change
 * feed, the review queue, the audit log, and each route's key (a read route never writes).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { trainVersion } from '../../src/serve/train/train.js';
import { openStore } from '../../src/store/open.js';
import { client, type Json, until } from './helpers.js';

const WRITE = 'rules-write-secret';
const READ = 'rules-read-secret';
let dir = '';
let db = '';
let server: RunningServer;
let anon: ReturnType<typeof client>;
let reader: ReturnType<typeof client>;
let writer: ReturnType<typeof client>;

const now = Math.floor(Date.now() / 1000);
// popularity: i0 8 clicks, i1 7, ... i7 1
const ITEMS = [
  { id: 'i0', categories: ['rock'], attributes: { brand: 'x' }, timestamp: now - 400 * 86_400 },
  { id: 'i1', categories: ['jazz'], attributes: { brand: 'y' }, timestamp: now - 300 * 86_400 },
  { id: 'i2', categories: ['rock'], attributes: { brand: 'y' }, timestamp: now - 200 * 86_400 },
  { id: 'i3', categories: ['pop'], attributes: { brand: 'z' }, timestamp: now - 2 * 86_400 },
  { id: 'i4', categories: ['pop'], attributes: {}, timestamp: now - 100 * 86_400 },
  { id: 'i5', categories: ['folk'], attributes: {}, timestamp: now - 100 * 86_400 },
  { id: 'i6', categories: ['folk'], attributes: {}, timestamp: now - 100 * 86_400 },
  { id: 'i7', categories: ['folk'], attributes: {}, timestamp: now - 100 * 86_400 },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-rules-'));
  db = `sqlite://${join(dir, 'shop.db')}`;
  server = await startServer({
    db,
    create: true,
    port: 0,
    apiKey: WRITE,
    readKey: READ,
    webRoot: false,
    processMetrics: false,
    followIntervalMs: 50,
    log: () => {},
  });
  anon = client(server.url);
  reader = client(server.url, READ);
  writer = client(server.url, WRITE);
  const items = ITEMS.map((it) => ({
    id: it.id,
    text: { title: `item ${it.id}` },
    categories: it.categories,
    attributes: it.attributes,
    timestamp: new Date(it.timestamp * 1000).toISOString(),
  }));
  expect((await writer.post('/v1/items', items)).status).toBe(200);
  const feedback = [];
  for (let k = 0; k < 8; k++) {
    for (let u = 0; u < 8 - k; u++) feedback.push({ user: `u${u}`, item: `i${k}`, type: 'click' });
  }
  expect((await writer.post('/v1/feedback', feedback)).status).toBe(200);
  expect(
    (await writer.post('/v1/users', [{ id: 'vip1', labels: ['vip'], attributes: { country: 'fr' } }])).status,
  ).toBe(200);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const list = async (user: string, q = 'n=5') => {
  const r = await reader.get(`/v1/recommend/${user}?${q}`);
  expect(r.status).toBe(200);
  return r.body as Json;
};
const ids = (b: Json): string[] => b.items.map((i: { id: string }) => i.id);
const clearRules = async () => {
  for (const r of (await reader.get('/v1/rules')).body.rules) await writer.del(`/v1/rules/${r.id}`);
};

describe('business rules at serve time', () => {
  afterEach(clearRules);
  it('serves the plain popular list without rules', async () => {
    expect(ids(await list('visitor'))).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
  });

  it('blocks a category, boosts an attribute, pins an item, and explains which rules fired', async () => {
    const block = (
      await writer.post('/v1/rules', {
        name: 'no pop',
        action: { kind: 'block', match: { categories: ['pop'] } },
      })
    ).body;
    const boost = (
      await writer.post('/v1/rules', {
        name: 'brand y x2',
        action: { kind: 'boost', match: { attribute: 'brand', value: 'y' }, multiply: 2 },
      })
    ).body;
    const pin = (
      await writer.post('/v1/rules', { name: 'pin i7', action: { kind: 'pin', item: 'i7', position: 2 } })
    ).body;
    expect(block.id).toBeDefined();
    // i3, i4 blocked; i1 7*2 = 14, i2 6*2 = 12, i0 8, i5 3, i6 2, i7 1; then i7 moved to 2
    const b = await list('visitor', 'n=5&explain=true');
    expect(ids(b)).toEqual(['i1', 'i7', 'i2', 'i0', 'i5']);
    expect(b.items.map((i: Json) => i.score)).toEqual([14, 1, 12, 8, 3]); // a moved pin keeps its score
    expect(b.items[0].rules).toEqual([{ id: boost.id, name: 'brand y x2', kind: 'boost' }]);
    expect(b.items[1].rules).toEqual([{ id: pin.id, name: 'pin i7', kind: 'pin' }]);
    expect(b.items[3].rules).toEqual([]);
    // without explain, no rules field; offsets page through the ruled list
    expect((await list('visitor')).items[0].rules).toBeUndefined();
    expect(ids(await list('visitor', 'n=2&offset=2'))).toEqual(['i2', 'i0']);
    // Gorse's route applies them too
    const g = await reader.get('/api/recommend/visitor?n=5');
    expect(g.body).toEqual(['i1', 'i7', 'i2', 'i0', 'i5']);
    await clearRules();
    expect(ids(await list('visitor'))).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
  });

  it('freshness boosts items that appeared within N days; a disabled rule does nothing', async () => {
    await writer.post('/v1/rules', { name: 'fresh', action: { kind: 'freshness', days: 7, add: 100 } });
    await writer.post('/v1/rules', {
      name: 'off',
      enabled: false,
      action: { kind: 'block', match: { items: ['i0'] } },
    });
    // i3 (2 days old): 5 + 100
    expect(ids(await list('visitor'))).toEqual(['i3', 'i0', 'i1', 'i2', 'i4']);
    await clearRules();
  });

  it('applies segment rules only to users in the segment', async () => {
    await writer.post('/v1/rules', {
      name: 'vip pin',
      segment: { label: 'vip' },
      action: { kind: 'pin', item: 'i6', position: 1 },
    });
    await writer.post('/v1/rules', {
      name: 'fr bury i0',
      segment: { attribute: 'country', value: 'fr' },
      action: { kind: 'boost', match: { items: ['i0'] }, add: -100 },
    });
    expect(ids(await list('vip1'))).toEqual(['i6', 'i1', 'i2', 'i3', 'i4']);
    expect(ids(await list('visitor'))).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
    await clearRules();
  });

  it('sees rules another process writes, through the change feed', async () => {
    const other = await openStore(db);
    try {
      const r = await other.putRule({
        name: 'elsewhere',
        enabled: true,
        action: { kind: 'block', match: { items: ['i0'] } },
      });
      await until(async () => (ids(await list('visitor'))[0] === 'i1' ? true : undefined), 10_000);
      await other.deleteRule(r.id);
      await until(async () => (ids(await list('visitor'))[0] === 'i0' ? true : undefined), 10_000);
    } finally {
      await other.close();
    }
  });

  it('rejects malformed rules with the field named', async () => {
    const bad = await writer.post('/v1/rules', {
      name: 'x',
      action: { kind: 'pin', item: 'i1', position: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toContain('position');
    expect((await writer.post('/v1/rules', { name: 'x', action: { kind: 'block', match: {} } })).status).toBe(
      400,
    );
    expect(
      (await writer.put('/v1/rules/nope', { name: 'x', action: { kind: 'freshness', days: 1 } })).status,
    ).toBe(404);
    expect((await writer.del('/v1/rules/nope')).status).toBe(404);
  });
});

describe('review queue', () => {
  it('hides new items until approved when the operator turns it on', async () => {
    expect((await reader.put('/v1/settings', { reviewNewItems: true })).status).toBe(401);
    expect((await writer.put('/v1/settings', { reviewNewItems: true })).body).toMatchObject({
      reviewNewItems: true,
    });
    const add = (id: string) => writer.post('/v1/items', [{ id, text: { title: id }, categories: ['new'] }]);
    expect((await add('n1')).status).toBe(200);
    expect((await add('n2')).status).toBe(200);
    // an existing item updated is not queued again
    expect(
      (await writer.post('/v1/items', [{ id: 'i7', text: { title: 'i7 again' }, categories: ['folk'] }]))
        .status,
    ).toBe(200);
    const pending = await reader.get('/v1/review');
    expect(pending.body.items.map((r: Json) => r.item)).toEqual(['n1', 'n2']);
    expect(ids(await list('visitor', 'n=20&category=new'))).toEqual([]);
    expect((await reader.post('/v1/review/n1/approve')).status).toBe(401);
    const ok = await writer.post('/v1/review/n1/approve');
    expect(ok.body).toMatchObject({ item: 'n1', status: 'approved' });
    expect(ok.body.decidedBy).toMatch(/^write key [0-9a-f]{8}$/);
    expect((await writer.post('/v1/review/n2/reject')).body.status).toBe('rejected');
    expect(ids(await list('visitor', 'n=20&category=new'))).toEqual(['n1']);
    expect((await reader.get('/v1/review')).body.items).toEqual([]);
    expect((await writer.post('/v1/review/nope/approve')).status).toBe(404);
    await writer.put('/v1/settings', { reviewNewItems: false });
    expect((await add('n3')).status).toBe(200);
    expect(ids(await list('visitor', 'n=20&category=new')).sort()).toEqual(['n1', 'n3']);
  });
});

describe('audit log', () => {
  it('records rule changes, activations, experiments, settings and key changes with the key, never the secret', async () => {
    const version = (
      await trainVersion(server.store, {
        model: 'bpr',
        params: { dim: 4, batchSize: 16 },
        epochs: 2,
        patience: 1,
      })
    ).version;
    expect((await writer.post(`/v1/models/${version}/activate`)).status).toBe(200);
    const e = await writer.post('/v1/experiments', {
      name: 'audited',
      arms: [
        { name: 'a', version, share: 0.5 },
        { name: 'b', version, share: 0.5 },
      ],
    });
    expect(e.status).toBe(200);
    expect((await writer.post(`/v1/experiments/${e.body.id}/stop`)).status).toBe(200);
    expect((await reader.get('/v1/audit')).status).toBe(401);
    const entries = (await writer.get('/v1/audit?limit=1000')).body.entries as Json[];
    const actions = new Set(entries.map((x) => x.action));
    for (const a of [
      'keys.change',
      'rule.create',
      'rule.delete',
      'settings.change',
      'review.approve',
      'review.reject',
      'model.activate',
      'experiment.start',
      'experiment.stop',
    ]) {
      expect(actions.has(a), a).toBe(true);
    }
    const fp = createHash('sha256').update(WRITE).digest('hex').slice(0, 8);
    const act = entries.find((x) => x.action === 'model.activate')!;
    expect(act).toMatchObject({ actor: `write key ${fp}`, target: String(version) });
    expect(entries.find((x) => x.action === 'keys.change')!.actor).toBe('config');
    const text = JSON.stringify(entries);
    expect(text).not.toContain(WRITE);
    expect(text).not.toContain(READ);
    // newest first
    expect(entries[0].id).toBeGreaterThan(entries[entries.length - 1].id);
  }, 60_000);
});

describe('keys of the operator routes', () => {
  it('reads need a key, writes the write key, and a read route never writes', async () => {
    const r = (
      await writer.post('/v1/rules', { name: 'k', action: { kind: 'block', match: { items: ['zz'] } } })
    ).body;
    const reads = ['/v1/rules', `/v1/rules/${r.id}`, '/v1/review', '/v1/settings'];
    for (const path of reads) {
      expect((await anon.get(path)).status, path).toBe(401);
      expect((await reader.get(path)).status, path).toBe(200);
    }
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/rules', { name: 'k2', action: { kind: 'freshness', days: 1 } }],
      ['PUT', `/v1/rules/${r.id}`, { name: 'k3', action: { kind: 'freshness', days: 1 } }],
      ['DELETE', `/v1/rules/${r.id}`, undefined],
      ['PUT', '/v1/settings', { retentionDays: 0 }],
      ['POST', '/v1/review/n1/approve', undefined],
      ['GET', '/v1/audit', undefined],
    ];
    for (const [method, path, body] of writes) {
      const call = (c: ReturnType<typeof client>) =>
        method === 'POST'
          ? c.post(path, body)
          : method === 'PUT'
            ? c.put(path, body)
            : method === 'DELETE'
              ? c.del(path)
              : c.get(path);
      expect((await call(anon)).status, `${method} ${path}`).toBe(401);
      expect((await call(reader)).status, `${method} ${path}`).toBe(401);
    }
    // the read routes change nothing: no change-feed row, no audit entry, same rules and settings
    const store = server.store;
    const seq = await store.lastChangeSeq();
    const audit = (await store.listAudit({ limit: 1 }))[0]?.id;
    const rules = await store.listRules();
    for (const path of reads) await reader.get(path);
    await reader.get('/v1/recommend/visitor?explain=true');
    await reader.get('/api/recommend/visitor');
    expect(await store.lastChangeSeq()).toBe(seq);
    expect((await store.listAudit({ limit: 1 }))[0]?.id).toBe(audit);
    expect(await store.listRules()).toEqual(rules);
    // the OpenAPI document names the routes and their key
    const doc = (await anon.get('/openapi.json')).body;
    expect(doc.paths['/v1/rules'].get.security).toEqual([{ ApiKey: [] }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/rules/{id}', '/v1/review', '/v1/audit']),
    );
  });
});
