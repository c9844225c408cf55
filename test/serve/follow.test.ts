/**
 * A running server sees what other processes write to its store (the change feed): models
 * trained and A/B experiments created with the CLI (real child processes on the same SQLite file),
 * and feedback, items and user deletions written through a second store handle. Each case checks
 * the server's behaviour (what it serves), not only its memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../../src/cli/testing/run-cli.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { client, type DemoDb, demoDb, until } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let other: Store;
let victim = '';
const cli = (...args: string[]) => runCliAsync(args, 120_000);

beforeAll(async () => {
  demo = await demoDb({ items: 60, users: 80, seed: 5 });
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    processMetrics: false,
    trainInWorker: false,
    followIntervalMs: 50,
    log: () => {},
  });
  other = await openStore(`sqlite://${demo.db}`);
}, 120_000);
afterAll(async () => {
  await other?.close();
  await server?.close();
  demo?.cleanup();
});

describe('a running server follows the store', () => {
  it('serves a model trained by `fusionrec train` in another process, without a restart', async () => {
    expect((await client(server.url).get('/v1/status')).body.model).toBeNull();
    const r = await cli('train', '--db', `sqlite://${demo.db}`, '--model', 'bpr', '--epochs', '3', '-q');
    expect(r.status, r.stderr).toBe(0);
    const model = await until(async () => {
      const m = (await client(server.url).get('/v1/status')).body.model;
      return m ?? undefined;
    }, 10_000);
    expect(model.name).toBe('bpr');
    const rec = await client(server.url).get('/v1/recommend/u1?n=5');
    expect(rec.body.model).toEqual(model);
  }, 120_000);

  it('routes traffic to an experiment created by `fusionrec ab create`', async () => {
    const r1 = await cli(
      'train',
      '--db',
      `sqlite://${demo.db}`,
      '--model',
      'lightgcn',
      '--epochs',
      '2',
      '-q',
      '--no-activate',
    );
    expect(r1.status, r1.stderr).toBe(0);
    const versions = (await other.listModelVersions()).map((v) => v.version);
    expect(versions.length).toBe(2);
    const r = await cli(
      'ab',
      'create',
      '--db',
      `sqlite://${demo.db}`,
      '--name',
      'cli-test',
      '--arm',
      `control=${versions[0]}:0.5`,
      '--arm',
      `treatment=${versions[1]}:0.5`,
    );
    expect(r.status, r.stderr).toBe(0);
    const arm = await until(async () => {
      const rec = (await client(server.url).get('/v1/recommend/u2?n=3')).body;
      return rec.arm ?? undefined;
    }, 10_000);
    expect(['control', 'treatment']).toContain(arm.arm);
  }, 120_000);

  it('applies feedback, new items and user deletions written by another handle', async () => {
    const api = client(server.url);
    const before = (await api.get('/v1/recommend/u3?n=5')).body.items.map((i: { id: string }) => i.id);
    const top = before[0];
    await other.insertFeedback([{ user: 'u3', item: top, type: 'click', value: 1, timestamp: 1 }]);
    await until(async () => {
      const now = (await api.get('/v1/recommend/u3?n=5')).body.items.map((i: { id: string }) => i.id);
      return now.includes(top) ? undefined : true;
    }, 5_000);

    await other.upsertItems([
      {
        id: 'fresh-item',
        text: { title: 'new' },
        categories: ['zzz'],
        labels: [],
        attributes: {},
        timestamp: 4_000_000_000,
        hidden: false,
        modalities: {},
      },
    ]);
    const latest = await until(async () => {
      const l = (await api.get('/api/latest?n=3')).body as { Id: string }[];
      return l.some((x) => x.Id === 'fresh-item') ? l : undefined;
    }, 5_000);
    expect(latest[0]!.Id).toBe('fresh-item');

    victim = (await other.listUsers({ limit: 1 })).users[0]!.id;
    expect(server.engine.catalog.user(victim)).toBeDefined();
    await other.deleteUser(victim);
    await until(async () => (server.engine.catalog.user(victim) ? undefined : true), 5_000);
  }, 60_000);

  it('reloads after a whole import by `fusionrec import` into the same database', async () => {
    const items = server.engine.catalog.live;
    expect(server.engine.catalog.user(victim)).toBeUndefined();
    const r = await cli('import', demo.catalog, '--db', `sqlite://${demo.db}`, '--workers', '1');
    expect(r.status, r.stderr).toBe(0);
    await server.follower.sync();
    // the import brought the deleted user back with their history: only a reload shows that
    expect(server.engine.catalog.user(victim)?.seen.size).toBeGreaterThan(0);
    expect(server.engine.catalog.live).toBe(items);
    expect((await client(server.url).get('/v1/recommend/u5?n=3')).body.items.length).toBe(3);
  }, 120_000);
});
