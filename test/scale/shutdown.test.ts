/**
 * Graceful shutdown (issue 12) of a real `fusionrec serve` child on a SQLite file: SIGTERM while
 * a slow request (a 20,000-item batch, encoded on the server's workers) is in flight and while A/B
 * impressions and request logs of the lists just served still wait in the store's 100 ms buffer.
 * The slow request must complete with 200, the process must exit 0, and every impression and
 * request log of the lists served before SIGTERM must be in the database afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { openStore } from '../../src/store/open.js';
import { client, type DemoDb, demoDb } from '../serve/helpers.js';
import { startServerProcess } from './processes.js';

let demo: DemoDb;
let url = '';
const cli = (...args: string[]) => runCli(args, 120_000);

beforeAll(async () => {
  demo = await demoDb({ items: 120, users: 40 });
  url = `sqlite://${demo.db}`;
  for (const dim of ['8', '16']) {
    const t = cli('train', '--db', url, '--model', 'bpr', '-p', `dim=${dim}`, '--epochs', '3', '--quiet');
    expect(t.status, t.stderr).toBe(0);
  }
  const ab = cli('ab', 'create', '--db', url, '-n', 'shutdown', '--arm', 'a=1', '--arm', 'b=2');
  expect(ab.status, ab.stderr).toBe(0);
}, 180_000);

afterAll(() => demo?.cleanup());

describe('SIGTERM', () => {
  it('drains the in-flight request, flushes impressions and request logs, and exits 0', async () => {
    const server = await startServerProcess(['--db', url, '--no-log-pseudonyms']);
    const exited = new Promise<number | null>((res) => server.proc.once('exit', (code) => res(code)));
    const api = client(server.url);
    const users = Array.from({ length: 40 }, (_, k) => `u${k + 1}`);
    const served: { user: string; impression: string }[] = [];
    const recommendAll = async () => {
      const replies = await Promise.all(users.map((u) => api.get(`/v1/recommend/${u}?n=5`)));
      replies.forEach((r, k) => {
        expect(r.status).toBe(200);
        expect(r.body.arm?.experiment).toBeDefined();
        served.push({ user: users[k]!, impression: r.body.impressionId });
      });
    };
    try {
      await recommendAll(); // flushed by the 100 ms timer
      await new Promise((r) => setTimeout(r, 300));
      const items = Array.from({ length: 20_000 }, (_, k) => ({
        id: `late-${k}`,
        text: {
          title: `late item ${k} lamp chair`,
          body: `a ${k % 3 ? 'green' : 'grey'} thing, number ${k}`,
        },
      }));
      let slowDone = 0;
      const slow = api.post('/v1/items', items).then((r) => {
        slowDone = performance.now();
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      await recommendAll(); // still buffered when SIGTERM arrives
      const sentAt = performance.now();
      server.proc.kill('SIGTERM');
      const reply = await slow;
      expect(slowDone, 'the slow request was still running at SIGTERM').toBeGreaterThan(sentAt);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ inserted: 20_000, failed: [] });
      expect(await exited, server.output()).toBe(0);
    } finally {
      await server.kill('SIGKILL');
    }

    const store = await openStore(url);
    try {
      expect(await store.getItem('late-19999')).toBeDefined();
      const exp = await store.getExperiment('shutdown');
      const counts = await store.experimentCounts(exp!.id);
      expect(counts.reduce((s, a) => s + a.impressions, 0)).toBe(served.length);
      for (const u of users) {
        const stored = new Set((await store.recentImpressions(u, 0)).map((i) => i.id));
        for (const s of served.filter((x) => x.user === u)) expect(stored.has(s.impression)).toBe(true);
        expect(await store.userRequestLogCount(u)).toBe(2);
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
