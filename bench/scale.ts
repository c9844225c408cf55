/**
 * Scale curves (issue 15): at each size of the seeded synthetic shop (src/synth/shop.ts, users and
 * items matched to events by shopShape: 10^5 events -> 10^4 users/items, 10^7 -> 10^6), measures
 * import throughput into SQLite and PostgreSQL (the real importAll path, in batches), peak RSS,
 * seconds per epoch of each model (one epoch through the model registry, so the pre-fit memory
 * check runs), one full all-item evaluation pass (1 and 2 worker threads) and the sampled
 * protocols, memory per item, and the log-log slope of each curve between sizes. Every step runs
 * in its own child process (clean peak RSS, a refusal or a crash does not stop the run) under a
 * time budget; a model whose estimated epoch (src/sizing/estimate.ts) exceeds the budget is skipped
 * and says so.
 *
 *   node --import tsx bench/scale.ts [--sizes 1e5,1e6] [--models bpr,lightgcn,vbpr,freedom,fusion]
 *        [--steps import,fit,eval] [--budget 300] [--epochs 1] [--import-max 1000000] [--eval-full 2e9]
 *        [--out bench/results/scale.json] [--resume: keep the finished steps of --out] [--redo '1000000 eval']
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateRanking } from '../src/eval/evaluator.js';
import { textTable } from '../src/experiment/report.js';
import { KernelModel } from '../src/models/kernel-model.js';
import { createModel } from '../src/models/registry.js';
import { memoryLimit, shapeOf } from '../src/sizing/check.js';
import { estimateModel, formatSeconds, WASM_LIMIT } from '../src/sizing/estimate.js';
import { randomSplit } from '../src/splits/index.js';
import { createPool } from '../src/store/postgres/pool.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, StoredFeedback, StoredItem } from '../src/store/types.js';
import { generateShop, type Shop, shopShape } from '../src/synth/shop.js';
import { Rng } from '../src/util/rng.js';
import { argValue } from './args.js';

const SEED = 15;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

function makeShop(events: number): { shop: Shop; seconds: number } {
  const t0 = performance.now();
  const shop = generateShop({ ...shopShape(events), seed: SEED });
  return { shop, seconds: (performance.now() - t0) / 1000 };
}

/** Imports the first `max` events (and every item) through Store.importAll in batches of 50k. */
async function importInto(store: Store, shop: Shop, max: number): Promise<Record<string, number>> {
  const items: StoredItem[] = Array.from({ length: shop.nItems }, (_, i) => ({
    id: `i${i}`,
    text: {},
    categories: [`c${shop.itemCluster[i]}`],
    labels: [],
    attributes: {},
    timestamp: 0,
    hidden: false,
    modalities: {},
  }));
  const t0 = performance.now();
  for (let s = 0; s < items.length; s += 50_000) {
    await store.importAll({ items: items.slice(s, s + 50_000), vectors: [], users: [], feedback: [] });
  }
  const tItems = (performance.now() - t0) / 1000;
  const n = Math.min(max, shop.log.length);
  const t1 = performance.now();
  for (let s = 0; s < n; s += 50_000) {
    const rows: StoredFeedback[] = [];
    for (let e = s; e < Math.min(n, s + 50_000); e++) {
      rows.push({
        user: `u${shop.log.users[e]}`,
        item: `i${shop.log.items[e]}`,
        type: 'purchase',
        value: 1,
        timestamp: shop.log.timestamps[e]!,
      });
    }
    await store.importAll({ items: [], vectors: [], users: [], feedback: rows });
  }
  const tEvents = (performance.now() - t1) / 1000;
  return {
    items: shop.nItems,
    itemSeconds: tItems,
    events: n,
    eventSeconds: tEvents,
    eventsPerSecond: n / tEvents,
  };
}

async function child(step: string, events: number): Promise<Record<string, unknown>> {
  const { shop, seconds: genSeconds } = makeShop(events);
  const base = { genSeconds, users: shop.nUsers, items: shop.nItems, events: shop.log.length };
  const max = Number(argValue('import-max', '1000000'));
  if (step === 'import-sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'scale-'));
    try {
      const store = await SqliteStore.open(join(dir, 'bench.db'));
      const r = await importInto(store, shop, max);
      await store.close();
      return { ...base, ...r, peakRss: peakRss() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (step === 'import-pg') {
    const schema = `scale_bench_${process.pid}`;
    const url = `postgres://postgres@127.0.0.1:5432/postgres?schema=${schema}`;
    const admin = createPool({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
    try {
      const store = await PostgresStore.open(url);
      const r = await importInto(store as unknown as Store, shop, max);
      await store.close();
      return { ...base, ...r, peakRss: peakRss() };
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }
  const t0 = performance.now();
  const split = randomSplit(shop.log, shop.nUsers, shop.nItems, { seed: SEED });
  const splitSeconds = (performance.now() - t0) / 1000;
  const rssData = process.memoryUsage.rss();
  if (step === 'eval') {
    const rng = new Rng(3);
    const dim = 64;
    const model = new KernelModel('dot-64', {
      kind: 'dot',
      nUsers: shop.nUsers,
      nItems: shop.nItems,
      dim,
      userFactors: Float32Array.from({ length: shop.nUsers * dim }, () => rng.normal()),
      itemFactors: Float32Array.from({ length: shop.nItems * dim }, () => rng.normal()),
    });
    const out: Record<string, unknown> = { ...base, splitSeconds };
    const work = split.test.activeUsers().length * shop.nItems;
    const full = async (workers: number) => {
      const r = await evaluateRanking(model, split.test, [split.train], { workers, minParallelWork: 0 });
      return { seconds: r.seconds, protocol: r.protocol, recall20: r.metrics['recall@20'] };
    };
    // the sampled protocols first (cheap), then the full pass: in full when it is at most
    // --eval-full (default 2·10^9) user x item scores, else on a user sample, extrapolated
    const limit = Number(argValue('eval-full', '2e9'));
    const subset = Math.max(100, Math.min(10_000, Math.floor(limit / shop.nItems)));
    const su = await evaluateRanking(model, split.test, [split.train], {
      workers: 2,
      minParallelWork: 0,
      sample: { users: subset, seed: 1 },
    });
    out.sampledUsers = { seconds: su.seconds, protocol: su.protocol, recall20: su.metrics['recall@20'] };
    const sn = await evaluateRanking(model, split.test, [split.train], {
      sample: { negatives: 100, seed: 1 },
    });
    out.sampledNegatives = {
      seconds: sn.seconds,
      protocol: sn.protocol,
      recall20: sn.metrics['sampled100:recall@20'],
    };
    if (work <= limit) {
      out.full1 = work <= limit / 4 ? await full(1) : undefined;
      out.full2 = await full(2);
    } else {
      // the user sample's time, scaled to every user (the per-user cost does not depend on which)
      out.full2 = {
        seconds: (su.seconds * split.test.activeUsers().length) / su.users.length,
        protocol: `full, extrapolated from ${su.protocol}`,
        recall20: su.metrics['recall@20'],
      };
    }
    out.evalUsers = split.test.activeUsers().length;
    out.peakRss = peakRss();
    return out;
  }
  // fit:<model>[:k=v,...]
  const [, name, extra] = step.split(':');
  const params: Record<string, unknown> = {};
  for (const kv of (extra ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    params[k!] = Number.isNaN(Number(v)) ? v : Number(v);
  }
  const model = createModel(name!, params);
  const data = { train: split.train, modalities: shop.modalities, fingerprint: 'scale' };
  const est = estimateModel(name!, model.params as Record<string, unknown>, shapeOf(data, model.params));
  const epochs = Number(argValue('epochs', '1'));
  const t1 = performance.now();
  const seconds: number[] = [];
  await model.fit(data, {
    seed: SEED,
    maxEpochs: epochs,
    onEpochEnd: (info) => {
      seconds.push(info.seconds);
      return 'continue';
    },
  });
  const fitSeconds = (performance.now() - t1) / 1000;
  return {
    ...base,
    splitSeconds,
    trainPairs: split.train.nnz,
    secondsPerEpoch: Math.min(...seconds),
    epochSeconds: seconds,
    fitSeconds,
    setupSeconds: fitSeconds - seconds.reduce((a, b) => a + b, 0),
    estimatedSecondsPerEpoch: est.secondsPerEpoch,
    estimatedBytes: est.bytes,
    work: est.work,
    rssData,
    peakRss: peakRss(),
  };
}

interface Row {
  size: number;
  step: string;
  status: string;
  result?: Record<string, unknown>;
  wall: number;
}

function runChild(step: string, events: number, budget: number): Row {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/scale.ts', '--child', step, '--events', String(events), ...passThrough()],
    { encoding: 'utf8', timeout: budget * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 },
  );
  const wall = (performance.now() - t0) / 1000;
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.error || r.signal)
    return { size: events, step, status: `killed after ${wall.toFixed(0)} s (budget ${budget} s)`, wall };
  if (r.status !== 0) {
    const lines = (r.stderr ?? '').trim().split('\n');
    const msg =
      lines.find((l) => /^\w*Error: /.test(l)) ?? lines.find((l) => /Error/.test(l)) ?? `exit ${r.status}`;
    return { size: events, step, status: `failed: ${msg.slice(0, 300)}`, wall };
  }
  return { size: events, step, status: 'ok', result: JSON.parse(line) as Record<string, unknown>, wall };
}

function passThrough(): string[] {
  const out: string[] = [];
  for (const k of ['import-max', 'epochs', 'eval-full']) {
    const i = process.argv.indexOf(`--${k}`);
    if (i >= 0) out.push(`--${k}`, process.argv[i + 1]!);
  }
  return out;
}

/** Log-log slope between consecutive sizes of a per-size figure. */
function slopes(
  rows: Row[],
  step: string,
  key: (r: Record<string, unknown>) => number | undefined,
  x: (r: Row) => number,
) {
  const pts = rows
    .filter((r) => r.step === step && r.result)
    .map((r) => [x(r), key(r.result!)] as const)
    .filter((p): p is readonly [number, number] => p[1] !== undefined && p[1] > 0);
  const out: string[] = [];
  for (let k = 1; k < pts.length; k++) {
    const [x0, y0] = pts[k - 1]!;
    const [x1, y1] = pts[k]!;
    out.push((Math.log(y1 / y0) / Math.log(x1 / x0)).toFixed(2));
  }
  return out;
}

async function main(): Promise<void> {
  const childStep = argValue('child', '');
  if (childStep) {
    const r = await child(childStep, Number(argValue('events', '100000')));
    process.stdout.write(`\n${JSON.stringify(r)}\n`);
    process.exit(0);
  }
  const sizes = argValue('sizes', '1e5,1e6').split(',').map(Number);
  const models = argValue('models', 'bpr,lightgcn,vbpr,freedom,fusion').split(';').join(',').split(',');
  const steps = argValue('steps', 'import,fit,eval').split(',');
  const budget = Number(argValue('budget', '300'));
  const outPath = argValue('out', 'bench/results/scale.json');
  // --resume: keep the rows of an earlier run (from --out) and skip the steps they finished, ran
  // out of budget in or skipped, except those named by --redo (e.g. "1000000 eval")
  const redo = new Set(argValue('redo', '').split(',').filter(Boolean));
  const rows: Row[] =
    process.argv.includes('--resume') && existsSync(outPath)
      ? (JSON.parse(readFileSync(outPath, 'utf8')) as { rows: Row[] }).rows.filter(
          (r) => !/^failed/.test(r.status) && !redo.has(`${r.size} ${r.step}`),
        )
      : [];
  const done = new Set(rows.map((r) => `${r.size} ${r.step}`));
  const save = () =>
    writeFileSync(
      outPath,
      `${JSON.stringify({ date: new Date().toISOString(), sizes, budget, rows }, null, 2)}\n`,
    );
  for (const size of sizes) {
    const todo: string[] = [];
    if (steps.includes('import')) todo.push('import-sqlite', 'import-pg');
    if (steps.includes('fit')) for (const m of models) todo.push(`fit:${m.replace(/\//g, ',')}`);
    if (steps.includes('eval')) todo.push('eval');
    for (const step of todo) {
      if (done.has(`${size} ${step}`)) continue;
      if (step.startsWith('fit:')) {
        const [, name, extra] = step.split(':');
        const shape = shopShape(size);
        const params: Record<string, unknown> = {};
        for (const kv of (extra ?? '').split(',').filter(Boolean))
          params[kv.split('=')[0]!] = Number(kv.split('=')[1]);
        const fd = [64, 64, 32];
        const est = estimateModel(name!, params, {
          ...shape,
          interactions: Math.round(size * 0.8),
          featureDims: fd,
        });
        // a model the pre-fit check will refuse runs anyway, to record its refusal
        const fits = est.wasmBytes <= WASM_LIMIT && est.bytes < memoryLimit();
        if (fits && est.secondsPerEpoch + est.setupSeconds > budget * 1.5) {
          rows.push({
            size,
            step,
            status: `skipped: estimated ${formatSeconds(est.secondsPerEpoch)}/epoch + ${formatSeconds(est.setupSeconds)} set-up > budget ${budget} s`,
            wall: 0,
          });
          process.stderr.write(`${size} ${step}: ${rows.at(-1)!.status}\n`);
          continue;
        }
      }
      const row = runChild(step, size, budget);
      rows.push(row);
      process.stderr.write(`${size} ${step}: ${row.status} (${row.wall.toFixed(1)} s)\n`);
      save();
    }
  }
  save();
  const table: string[][] = rows.map((r) => {
    if (!r.result) return [String(r.size), r.step, r.status, '', ''];
    const x = r.result;
    const fig = r.step.startsWith('import')
      ? `${Math.round(x.eventsPerSecond as number)} ev/s (${x.events} events)`
      : r.step === 'eval'
        ? `full ${(x.full2 as { seconds: number } | undefined)?.seconds.toFixed(1)} s (2 thr) / ${(x.full1 as { seconds: number } | undefined)?.seconds.toFixed(1) ?? '-'} s (1 thr); user sample ${(x.sampledUsers as { seconds: number }).seconds.toFixed(1)} s; 100 neg ${(x.sampledNegatives as { seconds: number }).seconds.toFixed(1)} s`
        : r.result
          ? `${(x.secondsPerEpoch as number).toFixed(2)} s/epoch (est ${(x.estimatedSecondsPerEpoch as number).toFixed(2)}), set-up ${(x.setupSeconds as number).toFixed(1)} s`
          : '';
    const rss = x.peakRss as number | undefined;
    return [
      String(r.size),
      r.step,
      r.status === 'ok' ? fig : r.status,
      rss ? `${(rss / 2 ** 20).toFixed(0)} MiB` : '',
      rss ? `${(rss / (x.items as number)).toFixed(0)} B` : '',
    ];
  });
  process.stdout.write(`${textTable(['events', 'step', 'figure', 'peak RSS', 'RSS/item'], table)}\n`);
  const exps: string[][] = [];
  const xEvents = (r: Row) => r.size;
  for (const step of [...new Set(rows.map((r) => r.step))]) {
    const time = step.startsWith('import')
      ? slopes(
          rows,
          step,
          (x) => ((x.eventSeconds as number) / (x.events as number)) * (x.events as number),
          (r) => r.result!.events as number,
        )
      : step === 'eval'
        ? slopes(rows, step, (x) => (x.full2 as { seconds: number } | undefined)?.seconds, xEvents)
        : slopes(rows, step, (x) => x.secondsPerEpoch as number, xEvents);
    const mem = slopes(rows, step, (x) => x.peakRss as number, xEvents);
    exps.push([step, time.join(', ') || '-', mem.join(', ') || '-']);
  }
  process.stdout.write(
    `\nlog-log slopes between consecutive sizes (x = events)\n${textTable(['step', 'time exponent', 'peak RSS exponent'], exps)}\n`,
  );
  writeFileSync(
    outPath,
    `${JSON.stringify({ date: new Date().toISOString(), sizes, budget, rows, exponents: exps }, null, 2)}\n`,
  );
}

await main();
