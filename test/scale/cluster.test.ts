/**
 * Scale-out, with real processes: three `fusionrec serve` processes on one PostgreSQL schema and
 * one Redis (a private redis-server this test starts, so that it can stop and restart it), loaded
 * by `fusionrec import` and `fusionrec train` run as CLI processes. Checks that the servers behave
 * as one: feedback taken by A is folded in at B, a new item posted to A is searchable and
 * recommendable at B, a deleted user is gone everywhere, an activation at A is served by all,
 * A/B arms agree, and the faults: Redis stopped (servers keep serving and catch up when it is back)
 * and a server killed with SIGKILL (the others keep answering, nothing acknowledged is lost).
 *
 * Needs PostgreSQL on 127.0.0.1:5432 and redis-server installed (both on every machine of this
 * project); FUSIONREC_NO_POSTGRES=1 skips it, saying so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../../src/cli/testing/run-cli.js';
import { generateDemo } from '../../src/demo/generate.js';
import { client, until } from '../serve/helpers.js';
import { PrivateRedis, pgSchema, type ServerProcess, startServerProcess } from './processes.js';

const skip = process.env.FUSIONREC_NO_POSTGRES === '1';
if (skip) console.warn('scale-out cluster test skipped: FUSIONREC_NO_POSTGRES=1');

let dir = '';
let db: Awaited<ReturnType<typeof pgSchema>>;
let redis: PrivateRedis;
let servers: ServerProcess[] = [];
const cli = (...args: string[]) => runCliAsync(args, 180_000);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((i) => i.id);

describe.skipIf(skip)('three servers on PostgreSQL + Redis', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusionrec-cluster-'));
    db = await pgSchema();
    redis = await PrivateRedis.start();
    await generateDemo(join(dir, 'catalog'), { items: 80, users: 100, seed: 11 });
    const imp = await cli('import', join(dir, 'catalog'), '--db', db.url, '--workers', '1');
    expect(imp.status, imp.stderr + imp.stdout).toBe(0);
    const tr = await cli('train', '--db', db.url, '--model', 'bpr', '--epochs', '4', '-q');
    expect(tr.status, tr.stderr + tr.stdout).toBe(0);
    const cache = `${redis.url}?prefix=${db.schema}:`;
    servers = await Promise.all([0, 1, 2].map(() => startServerProcess(['--db', db.url, '--cache', cache])));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await redis?.down();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every server serves the trained model', async () => {
    for (const s of servers) {
      const st = (await client(s.url).get('/v1/status')).body;
      expect(st.model?.name).toBe('bpr');
      expect(st.items).toBe(80);
      const ready = (await client(s.url).get('/v1/health/ready')).body;
      expect(ready.bus.connected).toBe(true);
    }
  });

  it('feedback acknowledged by A is reflected in the next recommendation at B (fold-in across servers)', async () => {
    const [a, b] = [client(servers[0]!.url), client(servers[1]!.url)];
    const lat: number[] = [];
    for (let k = 0; k < 40; k++) {
      const user = `cross-${k}`;
      const before = ids(await b.get(`/v1/recommend/${user}?n=5`));
      const item = before[0]!;
      const ack = await a.post('/v1/feedback', [{ user, item, type: 'click' }]);
      expect(ack.status).toBe(200);
      const t0 = performance.now();
      await until(
        async () => (ids(await b.get(`/v1/recommend/${user}?n=5`)).includes(item) ? undefined : true),
        5_000,
      );
      lat.push(performance.now() - t0);
    }
    // the 100 ms target is measured by bench/scale-out.ts on a quiet machine; this is a guard
    expect(quantile(lat, 0.99)).toBeLessThan(1000);
  }, 120_000);

  it('a new item posted to A is searchable and recommendable at B; a deleted user is gone everywhere', async () => {
    const [a, b, c] = servers.map((s) => client(s.url));
    const post = await a!.post('/v1/items', [
      {
        id: 'zebra-lamp',
        text: { title: 'zebra striped lamp', description: 'a lamp with zebra stripes' },
        timestamp: 4_000_000_000,
      },
    ]);
    expect(post.status).toBe(200);
    await until(async () => {
      const l = (await b!.get('/api/latest?n=1')).body as { Id: string }[];
      return l[0]?.Id === 'zebra-lamp' ? true : undefined;
    }, 5_000);
    const hits = (await c!.get('/v1/search?q=zebra%20striped%20lamp&n=3')).body.items as { id: string }[];
    expect(hits.map((h) => h.id)).toContain('zebra-lamp');

    const user = 'gone-user';
    const known = ids(await a!.get(`/v1/recommend/${user}?n=1`))[0]!; // an item the model has a row for
    await a!.post('/v1/feedback', [
      { user, item: 'zebra-lamp', type: 'click' },
      { user, item: known, type: 'click' },
    ]);
    await until(async () => ((await c!.get(`/v1/users/${user}`)).status === 200 ? true : undefined), 5_000);
    // folded-in vectors live in the Redis cache (not a PostgreSQL row per feedback event)
    const version = (await a!.get('/v1/status')).body.model.version as number;
    const key = `${db.schema}:uv:${version}`;
    const r = new Redis(redis.url);
    r.on('error', () => {});
    try {
      await until(async () => ((await r.hexists(key, user)) ? true : undefined), 5_000);
      expect((await b!.del(`/v1/users/${user}`)).status).toBe(200);
      expect(await r.hexists(key, user)).toBe(0);
    } finally {
      r.disconnect();
    }
    for (const s of [a!, b!, c!]) {
      expect((await s.get(`/v1/users/${user}`)).status).toBe(404);
      // the clicked item is no longer excluded as "seen": the user's history is gone from memory too
      await until(
        async () =>
          ids(await s.get(`/v1/recommend/${user}?n=100`)).includes('zebra-lamp') ? true : undefined,
        5_000,
      );
    }
  }, 60_000);

  it('an activation at A is served by every server; A/B arms agree across servers', async () => {
    const tr = await cli(
      'train',
      '--db',
      db.url,
      '--model',
      'lightgcn',
      '--epochs',
      '2',
      '-q',
      '--no-activate',
    );
    expect(tr.status, tr.stderr).toBe(0);
    const a = client(servers[0]!.url);
    const versions = (await a.get('/v1/models')).body.versions as { version: number; name: string }[];
    const lgcn = versions.find((v) => v.name === 'lightgcn')!;
    expect((await a.post(`/v1/models/${lgcn.version}/activate`)).status).toBe(200);
    for (const s of servers) {
      await until(
        async () =>
          (await client(s.url).get('/v1/status')).body.model?.version === lgcn.version ? true : undefined,
        10_000,
      );
    }
    const bpr = versions.find((v) => v.name === 'bpr')!;
    const created = await a.post('/v1/experiments', {
      name: 'cluster-ab',
      arms: [
        { name: 'control', version: bpr.version, share: 0.5 },
        { name: 'treatment', version: lgcn.version, share: 0.5 },
      ],
    });
    expect(created.status).toBe(200);
    for (let u = 0; u < 10; u++) {
      const arms = await Promise.all(
        servers.map(async (s) => {
          const got = await until(
            async () => (await client(s.url).get(`/v1/recommend/ab-${u}?n=2`)).body.arm ?? undefined,
            10_000,
          );
          return got.arm as string;
        }),
      );
      expect(new Set(arms).size, `user ab-${u}: ${arms}`).toBe(1);
    }
  }, 180_000);

  it('keeps serving while Redis is down, and catches up when it returns', async () => {
    const [a, b] = [client(servers[0]!.url), client(servers[1]!.url)];
    await redis.down();
    await until(
      async () => ((await b.get('/v1/health/ready')).body.bus.connected === false ? true : undefined),
      10_000,
    );
    // writes still land in PostgreSQL and are folded in locally; B sees them by polling the feed
    const user = 'redis-down-user';
    const item = ids(await b.get(`/v1/recommend/${user}?n=3`))[0]!;
    expect((await a.post('/v1/feedback', [{ user, item, type: 'click' }])).status).toBe(200);
    expect(ids(await a.get(`/v1/recommend/${user}?n=3`))).not.toContain(item);
    await until(
      async () => (ids(await b.get(`/v1/recommend/${user}?n=3`)).includes(item) ? undefined : true),
      5_000,
    );
    await redis.up();
    await until(
      async () => ((await b.get('/v1/health/ready')).body.bus.connected ? true : undefined),
      15_000,
    );
  }, 60_000);

  it('a server killed with SIGKILL under load: the others keep answering, no acknowledged write is lost', async () => {
    const [victim, ...rest] = servers;
    const v = client(victim!.url);
    const acked: string[] = [];
    let stop = false;
    const load = (async () => {
      for (let k = 0; !stop; k++) {
        try {
          const r = await v.post('/v1/feedback', [{ user: `kill-${k}`, item: 'zebra-lamp', type: 'click' }]);
          if (r.status === 200) acked.push(`kill-${k}`);
        } catch {
          return; // the server is gone
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await victim!.kill('SIGKILL');
    stop = true;
    await load;
    expect(acked.length).toBeGreaterThan(0);
    for (const s of rest) {
      const c = client(s.url);
      expect((await c.get('/v1/health/live')).status).toBe(200);
      for (const u of acked) expect((await c.get(`/v1/users/${u}`)).status, u).toBe(200);
    }
    servers = rest;
  }, 60_000);
});
