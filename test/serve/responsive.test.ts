/**
 * Issue 12: one expensive request must not freeze the server. A real server over a demo catalog
 * with a trained content model (FREEDOM: every new item gets a vector at once) answers liveness and
 * recommendations quickly (p99 and p50, polled every 10 ms from another thread) while it encodes a
 * hostile clip (header says 250 Hz: refused from the header, quickly, without memory growth), a
 * long valid clip, a large picture and a large item batch on its encode workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { trainVersion } from '../../src/serve/train/train.js';
import { openStore } from '../../src/store/open.js';
import { client, type DemoDb, demoDb } from './helpers.js';
import { type Latencies, png, pngHeader, pollDuring, quantile, wav8 } from './media.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;

/**
 * Latency bounds (ms) for liveness and recommendations while something heavy runs. The p99 counts
 * stalls by their length (see pollDuring); before the fix it was 500 ms to seconds. On an idle
 * 2-core box it stays under 50 ms; the default leaves room for a shared, oversubscribed one
 * (FUSIONREC_P99_MS=50 checks the strict bound).
 */
const STRICT = process.env.FUSIONREC_P99_MS !== undefined;
let P99_MS = Number(process.env.FUSIONREC_P99_MS ?? 250);
let P50_MS = 25;
const POLLED = ['/v1/health/live', '/v1/recommend/u1'];

beforeAll(async () => {
  demo = await demoDb({ items: 200, users: 150 });
  const store = await openStore(`sqlite://${demo.db}`);
  await trainVersion(store, {
    model: 'freedom',
    params: { dim: 16, lr: 0.01, batchSize: 128, threads: 1 },
    epochs: 3,
    patience: 3,
    activate: true,
  });
  await store.close();
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    processMetrics: false,
    log: () => {},
  });
  api = client(server.url);
  // warm up: the encode workers start, and every route is compiled once
  expect((await api.post('/v1/search', { audio: b64(wav8(8000, 8000)), n: 3 })).status).toBe(200);
  expect((await api.post('/v1/search', { image: b64(await png(64, 64)), n: 3 })).status).toBe(200);
  const few = Array.from({ length: 20 }, (_, k) => ({ id: `warm-${k}`, text: { title: `warm lamp ${k}` } }));
  expect((await api.post('/v1/items', few)).status).toBe(200);
  for (const p of POLLED) expect((await api.get(p)).status).toBe(200);
  // The machine's own noise with nothing heavy running: on a box shared with other test files the
  // bounds scale with it (4x the idle p99 / p50), so that only a stall caused by the request under
  // test fails; the defect this guards against stalled for seconds. FUSIONREC_P99_MS pins the bound.
  const idle = await pollDuring(server.url, POLLED, () => new Promise((r) => setTimeout(r, 1500)));
  const all = POLLED.flatMap((p) => idle.latencies[p]!);
  if (!STRICT) {
    P99_MS = Math.max(P99_MS, 4 * quantile(all, 0.99));
    P50_MS = Math.max(P50_MS, 4 * quantile(all, 0.5));
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function expectResponsive(latencies: Latencies): void {
  for (const p of POLLED) {
    const l = latencies[p]!;
    if (process.env.FUSIONREC_SHOW_LATENCY) {
      const top = [...l]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .map((x) => x.toFixed(1));
      process.stderr.write(
        `${p}: ${l.length} samples, p50 ${quantile(l, 0.5).toFixed(1)} ms, worst ${top.join(' ')}\n`,
      );
    }
    expect(l.length, `${p}: samples`).toBeGreaterThanOrEqual(50);
    expect(quantile(l, 0.99), `${p}: p99 ms over ${l.length} samples`).toBeLessThanOrEqual(P99_MS);
    expect(quantile(l, 0.5), `${p}: p50 ms over ${l.length} samples`).toBeLessThanOrEqual(P50_MS);
  }
}

describe('one expensive request does not freeze the server', () => {
  it('refuses a hostile clip (1 MB, header says 250 Hz) from its header: 400 naming the field and the limit', async () => {
    const clip = wav8(1_000_000, 250); // 4,000 s: resampled to 16 kHz it would be 64M samples
    const rss0 = process.memoryUsage().rss;
    const { result, latencies } = await pollDuring(server.url, POLLED, async () => {
      const t0 = performance.now();
      const r = await api.post('/v1/search', { audio: b64(clip), n: 5 });
      return { r, ms: performance.now() - t0 };
    });
    expect(result.r.status).toBe(400);
    expect(result.r.body.error.code).toBe('invalid_input');
    expect(result.r.body.error.field).toBe('audio');
    expect(result.r.body.error.message).toMatch(/4000\.0 s long.*250 Hz.*the limit is 600 s/);
    expect(result.ms).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 2 ** 20);
    expectResponsive(latencies);
  }, 60_000);

  it('encodes a long valid clip (120 s) on a worker while liveness and recommendations stay fast', async () => {
    const clip = wav8(960_000, 8000);
    const { result, latencies } = await pollDuring(server.url, POLLED, () =>
      api.post('/v1/search', { audio: b64(clip), n: 5, modality: 'audio' }),
    );
    expect(result.status).toBe(200);
    expect(result.body.items.length).toBe(5);
    expect(result.body.items[0].modality).toBe('audio');
    expectResponsive(latencies);
  }, 60_000);

  it('encodes a large picture (4000x4000) on a worker; one whose header is over the pixel cap gets 400', async () => {
    const big = await png(4000, 4000);
    const { result, latencies } = await pollDuring(server.url, POLLED, () =>
      api.post('/v1/search', { image: b64(big), n: 5, modality: 'image' }),
    );
    expect(result.status).toBe(200);
    expect(result.body.items.length).toBe(5);
    expectResponsive(latencies);

    const t0 = performance.now();
    const over = await api.post('/v1/search', { image: b64(pngHeader(10_000, 10_000)) });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(over.status).toBe(400);
    expect(over.body.error.field).toBe('image');
    expect(over.body.error.message).toMatch(
      /10000x10000 = 100,000,000 pixels; the limit is 40,000,000 pixels/,
    );
  }, 60_000);

  it('inserts 2,000 text items (each given a FREEDOM vector) without stalling other requests', async () => {
    const items = Array.from({ length: 2000 }, (_, k) => ({
      id: `bulk-${k}`,
      text: {
        title: `bulk item ${k} lamp chair`,
        description: `a ${k % 7 ? 'blue' : 'red'} thing for the home, number ${k}`,
      },
    }));
    const { result, latencies } = await pollDuring(server.url, POLLED, () => api.post('/v1/items', items));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ inserted: 2000, updated: 0, failed: [] });
    expect(result.body.encoded.text).toBe(2000);
    expectResponsive(latencies);
    const got = await api.get('/v1/items/bulk-1999');
    expect(got.status).toBe(200);
  }, 120_000);
});

describe('a bounded encode queue', () => {
  it('answers 503 with the reason when too many media encodes are waiting', async () => {
    const small = await startServer({
      db: 'sqlite::memory:',
      port: 0,
      webRoot: false,
      processMetrics: false,
      encodeWorkers: 1,
      encodeQueue: 1,
      log: () => {},
    });
    try {
      const c = client(small.url);
      expect((await c.post('/v1/items', [{ id: 'a', text: { title: 'a lamp' } }])).status).toBe(200);
      const clip = b64(wav8(8000 * 60, 8000));
      const replies = await Promise.all([1, 2, 3].map(() => c.post('/v1/search', { audio: clip })));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses[0]).toBe(200);
      const busy = replies.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      expect(busy[0]!.body.error.code).toBe('unavailable');
      expect(busy[0]!.body.error.message).toMatch(/busy encoding media .*the limit is 1\); retry later/);
    } finally {
      await small.close();
    }
  }, 60_000);
});
