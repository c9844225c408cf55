/**
 * Streaming ingestion throughput (serve/stream/consumer): a private redis-server, a store with 100
 * items (SQLite WAL file; PostgreSQL in a fresh schema, dropped afterwards), `--events` feedback
 * events added with XADD, then one or two in-process consumers of the group applying them (one
 * store transaction per event, the event id recorded with it; XACK per batch). Reports events/s
 * until the group has acknowledged everything, and checks each event was stored once. Prints a
 * table and writes bench/results/stream-ingest.json.
 *
 *   node --import tsx bench/stream-ingest.ts [--events 5000] [--pg postgres://postgres@127.0.0.1:5432/test]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { textTable } from '../src/experiment/report.js';
import { StreamConsumer } from '../src/serve/stream/consumer.js';
import { streamKeys } from '../src/serve/stream/keys.js';
import { readStreamLag } from '../src/serve/stream/lag.js';
import { openStore } from '../src/store/open.js';
import { createPool } from '../src/store/postgres/pool.js';
import type { Store } from '../src/store/types.js';
import { argValue } from './args.js';

const EVENTS = Number(argValue('events', '5000'));
const PG = argValue('pg', 'postgres://postgres@127.0.0.1:5432/test');

const port = await new Promise<number>((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => res(p));
  });
});
const redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
  stdio: 'ignore',
});
await new Promise((r) => setTimeout(r, 300));
const redis = new Redis(`redis://127.0.0.1:${port}`, { protocol: 2 });

async function run(backend: string, store: Store, consumers: number) {
  const items = Array.from({ length: 100 }, (_, k) => ({
    id: `i${k}`,
    text: {},
    categories: [],
    labels: [],
    attributes: {},
    timestamp: 0,
    hidden: false,
    modalities: {},
  }));
  await store.upsertItems(items);
  const cache = `redis://127.0.0.1:${port}?prefix=b${randomBytes(3).toString('hex')}:`;
  const keys = streamKeys(cache);
  const before = (await store.counts()).feedback;
  const p = redis.pipeline();
  for (let i = 0; i < EVENTS; i++) {
    const data = JSON.stringify({ user: `u${i % 500}`, item: `i${i % 100}`, type: 'click', timestamp: i });
    p.xadd(keys.stream, '*', 'id', `e${i}`, 'kind', 'feedback', 'data', data);
  }
  await p.exec();
  const t0 = performance.now();
  const running = await Promise.all(
    Array.from({ length: consumers }, (_, k) =>
      new StreamConsumer(store, { cache, consumer: `c${k}`, log: () => {} }).start(),
    ),
  );
  for (;;) {
    if ((await readStreamLag(redis, keys))?.events === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const c of running) await c.stop();
  const stored = (await store.counts()).feedback - before;
  if (stored !== EVENTS) throw new Error(`${backend}: ${stored} stored, expected ${EVENTS}`);
  return { backend, consumers, events: EVENTS, seconds, perSecond: EVENTS / seconds };
}

const rows: Awaited<ReturnType<typeof run>>[] = [];
try {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-stream-bench-'));
  try {
    for (const consumers of [1, 2]) {
      const store = await openStore(`sqlite://${join(dir, `s${consumers}.db`)}`);
      rows.push(await run('sqlite', store, consumers));
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const consumers of [1, 2]) {
    const schema = `fr_bench_${randomBytes(4).toString('hex')}`;
    const store = await openStore(`${PG}?schema=${schema}`);
    try {
      rows.push(await run('postgres', store, consumers));
    } finally {
      await store.close();
      const pool = createPool({ connectionString: PG, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    }
  }
} finally {
  redis.disconnect();
  redisProc.kill('SIGKILL');
}
process.stdout.write(
  `${textTable(
    ['backend', 'consumers', 'events', 'seconds', 'events/s'],
    rows.map((r) => [
      r.backend,
      String(r.consumers),
      String(r.events),
      r.seconds.toFixed(2),
      r.perSecond.toFixed(0),
    ]),
  )}\n`,
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', 'stream-ingest.json'),
  `${JSON.stringify(rows, null, 2)}\n`,
);
