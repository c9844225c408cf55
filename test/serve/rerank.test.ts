/**
 * Re-ranking on the serving path, end to end on a real server (demo catalog, a trained BPR model):
 * per-request stages change the list the way each one should (popularity correction lowers the
 * list's popularity, exposure fairness spreads the styles, MMR changes the order within the
 * model's candidates), a pinned item keeps its position, the operator's default applies to every
 * list unless a request says otherwise, and bad specs are refused with the part named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { trainVersion } from '../../src/serve/train/train.js';
import { openStore } from '../../src/store/open.js';
import { client, type DemoDb, demoDb, type Json } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;
const popularity = new Map<string, number>();
const style = new Map<string, string>();

beforeAll(async () => {
  demo = await demoDb({ items: 120, users: 150, seed: 5 });
  const store = await openStore(`sqlite://${demo.db}`);
  try {
    await trainVersion(store, {
      model: 'bpr',
      params: { dim: 16 },
      seed: 1,
      epochs: 20,
      patience: 20,
      activate: true,
    });
    for (const f of await store.allFeedback()) popularity.set(f.item, (popularity.get(f.item) ?? 0) + 1);
    for (const it of await store.allItems()) style.set(it.id, String(it.attributes.style));
  } finally {
    await store.close();
  }
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    processMetrics: false,
    log: () => {},
  });
  api = client(server.url);
}, 120_000);

afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

const USERS = ['user-0001', 'user-0002', 'user-0003', 'user-0004', 'user-0005', 'user-0006'];
const ids = (r: Json): string[] => r.body.items.map((i: { id: string }) => i.id);
const list = async (user: string, query = ''): Promise<string[]> => {
  const r = await api.get(`/v1/recommend/${user}?n=10${query}`);
  expect(r.status).toBe(200);
  expect(r.body.source).toBe('model');
  return ids(r);
};
const meanPop = (l: string[]) => l.reduce((s, id) => s + (popularity.get(id) ?? 0), 0) / l.length;

describe('re-ranking on /v1/recommend', () => {
  it('pop:1 lowers the popularity of every list; tail/mmr keep 10 distinct unseen items', async () => {
    for (const u of USERS) {
      const base = await list(u);
      const pop = await list(u, '&rerank=pop:1');
      expect(meanPop(pop)).toBeLessThan(meanPop(base));
      for (const spec of ['mmr:0.9', 'tail:0.5', 'calib:0.5']) {
        const l = await list(u, `&rerank=${spec}`);
        expect(new Set(l).size).toBe(10);
      }
    }
  });

  it('mmr changes lists within the model candidates; none is the plain list', async () => {
    let changed = 0;
    for (const u of USERS) {
      const base = await list(u);
      const mmr = await list(u, '&rerank=mmr:0.9');
      if (mmr.join() !== base.join()) changed++;
      expect(mmr[0]).toBe(base[0]); // MMR keeps the most relevant item first
      expect(await list(u, '&rerank=none')).toEqual(base);
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('fair:style=1 gives each list at least as many styles as the plain one', async () => {
    let wider = 0;
    for (const u of USERS) {
      const styles = (l: string[]) => new Set(l.map((id) => style.get(id))).size;
      const base = styles(await list(u));
      const fair = styles(await list(u, '&rerank=fair:style=1'));
      expect(fair).toBeGreaterThanOrEqual(base);
      if (fair > base) wider++;
    }
    expect(wider).toBeGreaterThan(0);
  });

  it('a pinned item keeps its position under re-ranking', async () => {
    const u = USERS[0]!;
    const base = await list(u);
    const target = base[5]!;
    const rule = await api.post('/v1/rules', {
      name: 'pin',
      enabled: true,
      action: { kind: 'pin', item: target, position: 2 },
    });
    expect(rule.status).toBeLessThan(300);
    try {
      const l = await list(u, '&rerank=pop:1');
      expect(l[1]).toBe(target); // position 2 is 1-based
    } finally {
      await api.del(`/v1/rules/${rule.body.id}`);
    }
  });

  it("the operator's default applies unless a request names its own", async () => {
    const u = USERS[1]!;
    const base = await list(u);
    const pop = await list(u, '&rerank=pop:1');
    expect((await api.put('/v1/settings', { rerank: 'pop:1' })).body.rerank).toBe('pop:1');
    try {
      expect(await list(u)).toEqual(pop);
      expect(await list(u, '&rerank=none')).toEqual(base);
    } finally {
      await api.put('/v1/settings', { rerank: '' });
    }
    expect(await list(u)).toEqual(base);
  });

  it('refuses a bad spec naming the part, on the request and in the settings', async () => {
    const r = await api.get('/v1/recommend/user-0001?rerank=mmr:0.3,pop:9');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('"pop:9"');
    const s = await api.put('/v1/settings', { rerank: 'shuffle:1' });
    expect(s.status).toBe(400);
    expect(s.body.error.field).toBe('rerank');
    expect((await api.get('/v1/settings')).body.rerank).toBe('');
  });

  it('GET /v1/fairness reports the served lists per model version, and pop:1 traffic is less popular', async () => {
    const before = (await api.get('/v1/fairness')).body.windows as Json[];
    const served = (w: Json[]) => w.reduce((s: number, x: Json) => s + x.served, 0);
    for (const u of USERS) await list(u);
    const after = (await api.get('/v1/fairness')).body.windows as Json[];
    expect(served(after) - served(before)).toBe(USERS.length);
    const w = after.find((x: Json) => x.version !== null)!;
    expect(w.model).toBe('bpr');
    for (const key of ['averagePopularity', 'gini', 'top1Share', 'coverage', 'longTailShare']) {
      expect(Number.isFinite(w[key])).toBe(true);
    }
    expect(w.gini).toBeGreaterThan(0);
    expect(w.coverage).toBeGreaterThan(0);
    expect(w.coverage).toBeLessThanOrEqual(1);
  });
});
