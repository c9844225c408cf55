/**
 * The store's durable job queue (store/types Store.claimJob …) on SQLite (a WAL file) and
 * PostgreSQL (a fresh schema, dropped afterwards): enqueue rate, the latency of one claim (p50,
 * p99; one claimer, claim then finish, `--jobs` jobs), and claim+finish throughput with 1, 4 and
 * 16 concurrent claimers on separate store handles (each handle a connection; SQLite handles in
 * one process take turns on the file's write lock, PostgreSQL ones skip each other's locked
 * rows). Every claimed job is checked to be claimed once. Prints a table and writes
 * bench/results/jobs.json.
 *
 *   node --import tsx bench/jobs.ts [--jobs 2000] [--pg postgres://postgres@127.0.0.1:5432/test]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textTable } from '../src/experiment/report.js';
import { openStore } from '../src/store/open.js';
import { createPool } from '../src/store/postgres/pool.js';
import type { Store } from '../src/store/types.js';
import { argValue } from './args.js';

const JOBS = Number(argValue('jobs', '2000'));
const PG = argValue('pg', 'postgres://postgres@127.0.0.1:5432/test');
const CLAIMERS = [1, 4, 16];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

interface Row {
  backend: string;
  enqueuePerSecond: number;
  claimP50Ms: number;
  claimP99Ms: number;
  throughput: Record<string, number>;
}

async function enqueue(store: Store, n: number): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await store.enqueueJob({ kind: 'train', params: { k } });
  return n / ((performance.now() - t0) / 1000);
}

async function bench(name: string, open: () => Promise<Store>): Promise<Row> {
  const store = await open();
  const enqueuePerSecond = await enqueue(store, JOBS);
  const lat: number[] = [];
  for (;;) {
    const t0 = performance.now();
    const j = await store.claimJob('solo', ['train'], 30);
    lat.push(performance.now() - t0);
    if (!j) break;
    await store.finishJob(j.id, 'solo', { status: 'done', result: {} });
  }
  const throughput: Record<string, number> = {};
  for (const c of CLAIMERS) {
    await enqueue(store, JOBS);
    const handles = [store, ...(await Promise.all(Array.from({ length: c - 1 }, open)))];
    const seen = new Set<number>();
    const t0 = performance.now();
    await Promise.all(
      handles.map(async (h, k) => {
        for (;;) {
          const j = await h.claimJob(`w${k}`, ['train'], 30);
          if (!j) return;
          if (seen.has(j.id)) throw new Error(`job ${j.id} claimed twice`);
          seen.add(j.id);
          await h.finishJob(j.id, `w${k}`, { status: 'done', result: {} });
        }
      }),
    );
    throughput[`${c}`] = JOBS / ((performance.now() - t0) / 1000);
    if (seen.size !== JOBS) throw new Error(`${seen.size} of ${JOBS} jobs claimed`);
    for (const h of handles.slice(1)) await h.close();
  }
  await store.close();
  return {
    backend: name,
    enqueuePerSecond,
    claimP50Ms: quantile(lat, 0.5),
    claimP99Ms: quantile(lat, 0.99),
    throughput,
  };
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fusionrec-bench-jobs-'));
try {
  const file = `sqlite://${join(dir, 'jobs.db')}`;
  rows.push(await bench('sqlite (WAL file)', () => openStore(file)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const schema = `fr_bench_${randomBytes(4).toString('hex')}`;
const admin = createPool({ connectionString: PG, max: 1 });
try {
  await admin.query('SELECT 1');
  const u = new URL(PG);
  u.searchParams.set('schema', schema);
  rows.push(await bench('postgres', () => openStore(u.toString())));
} catch (err) {
  console.warn(`PostgreSQL skipped: ${(err as Error).message}`);
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await admin.end();
}

const f = (x: number, d = 0) => x.toFixed(d);
console.log(
  textTable(
    ['backend', 'enqueue/s', 'claim p50 ms', 'claim p99 ms', ...CLAIMERS.map((c) => `claim+finish/s x${c}`)],
    rows.map((r) => [
      r.backend,
      f(r.enqueuePerSecond),
      f(r.claimP50Ms, 3),
      f(r.claimP99Ms, 3),
      ...CLAIMERS.map((c) => f(r.throughput[`${c}`]!)),
    ]),
  ),
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/jobs.json',
  `${JSON.stringify({ jobs: JOBS, claimers: CLAIMERS, node: process.version, rows }, null, 2)}\n`,
);
