/**
 * Operator actions stay out of experiment statistics (issue 13): with an A/B experiment running,
 * feedback marked `X-Fusionrec-Operator: 1` (the dashboard's Click/Like/Buy buttons) is stored and
 * changes the user's recommendations, but is not attributed to the arm's impressions and not
 * counted in the live feedback rate; the lists the dashboard looks at log no impressions. The same
 * feedback without the header counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { trainVersion } from '../../src/serve/train/train.js';
import { openStore } from '../../src/store/open.js';
import { client, type DemoDb, demoDb, type Json } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;
const OPERATOR = { 'x-fusionrec-operator': '1' };

beforeAll(async () => {
  demo = await demoDb();
  const store = await openStore(`sqlite://${demo.db}`);
  const versions: number[] = [];
  for (const seed of [1, 2]) {
    const params = { dim: 8, lr: 0.01, batchSize: 128 };
    versions.push(
      (await trainVersion(store, { model: 'bpr', params, seed, epochs: 3, patience: 3 })).version,
    );
  }
  await store.close();
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    processMetrics: false,
    log: () => {},
  });
  api = client(server.url);
  const e = await api.post('/v1/experiments', {
    name: 'operator-check',
    arms: [
      { name: 'A', version: versions[0], share: 1 },
      { name: 'B', version: versions[1], share: 1 },
    ],
  });
  expect(e.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

async function armCounts(arm: string): Promise<{ impressions: number; clicks: number }> {
  const list = (await api.get('/v1/experiments')).body.experiments as Json[];
  const rep = (await api.get(`/v1/experiments/${list[0].id}`)).body;
  const a = rep.arms.find((x: Json) => x.name === arm);
  return { impressions: a.impressions, clicks: a.clicks };
}

describe('operator feedback and A/B statistics', () => {
  it('a dashboard-marked click is stored but not counted; a normal click counts', async () => {
    const user = 'user-0007';
    const rec = (await api.get(`/v1/recommend/${user}?n=5`)).body;
    const arm = rec.arm.arm as string;
    expect(rec.impressionId).toBeTruthy();
    const start = await armCounts(arm);
    expect(start.impressions).toBe(1);
    const rate0 = (await api.get('/v1/status')).body.feedbackPerMinute;

    // the operator looks at the same list: served (with its arm), no impression logged
    const look = await api.get(`/v1/recommend/${user}?n=5`, OPERATOR);
    expect(look.body.arm.arm).toBe(arm);
    expect(look.body.impressionId).toBeUndefined();
    expect(await armCounts(arm)).toEqual(start);

    // the operator clicks: stored and folded in, not attributed, not in the live rate
    const first = rec.items[0].id;
    const r = await api.post('/v1/feedback', [{ user, item: first, type: 'click' }], OPERATOR);
    expect(r.body).toEqual({ inserted: 1 });
    const history = (await api.get(`/v1/users/${user}/feedback?type=click`)).body.feedback;
    expect(history.map((f: Json) => f.item.id)).toContain(first);
    expect(
      (await api.get(`/v1/recommend/${user}?n=5`, OPERATOR)).body.items.map((i: Json) => i.id),
    ).not.toContain(first);
    expect(await armCounts(arm)).toEqual(start);
    expect((await api.get('/v1/status')).body.feedbackPerMinute).toBe(rate0);

    // a normal click on the same impression counts once, in the rate too
    const second = rec.items[1].id;
    expect((await api.post('/v1/feedback', [{ user, item: second, type: 'click' }])).status).toBe(200);
    expect(await armCounts(arm)).toEqual({ impressions: 1, clicks: 1 });
    expect((await api.get('/v1/status')).body.feedbackPerMinute).toBe(rate0 + 1);
  });

  it('only "1" or "true" marks a request as an operator\'s', async () => {
    const user = 'user-0011';
    const rec = (await api.get(`/v1/recommend/${user}?n=3`, { 'x-fusionrec-operator': '0' })).body;
    expect(rec.impressionId).toBeTruthy();
    const arm = rec.arm.arm as string;
    const before = await armCounts(arm);
    await api.post('/v1/feedback', [{ user, item: rec.items[0].id, type: 'click' }], {
      'x-fusionrec-operator': 'no',
    });
    expect((await armCounts(arm)).clicks).toBe(before.clicks + 1);
  });
});
