/**
 * @module bench/pool
 * The encoder worker pool (src/encoders/pool.ts on src/util/workers.ts) against piscina and
 * tinypool, on the same worker module (bench/pool-task.mjs) and the same number of threads:
 * - start-up: pool created until two tasks have answered (median of `--reps`);
 * - small tasks: `--small` tasks of 64 floats (copied), all queued at once: tasks/s;
 * - latency: `--seq` tasks one after another: median and p99 round trip;
 * - large tasks: `--large` tasks of 4 MB each way (transferred, not copied): MB/s;
 * - a worker that dies mid-task: what the caller sees, and whether the next task runs;
 * - cancellation: a 2-s task aborted after 50 ms: time until the caller is told, and the next task;
 * - the real job: `--texts` synthetic texts through the fitted built-in text encoder in batches of
 *   32: ours is `encodeInPool` itself; the libraries run the same batches as tasks.
 * "ours" for the first six rows is the message loop of encoders/pool.ts (one task in flight per
 * worker, the next handed out on each answer; a worker's exit fails the call).
 * The libraries are not dependencies: install them outside the repository and name the folder:
 *
 *   mkdir -p /tmp/poolbench && (cd /tmp/poolbench && npm init -y && npm i piscina@5.3.2 tinypool@2.2.0)
 *   node --import tsx bench/pool.ts [--libs /tmp/poolbench] [--threads 2] [--reps 5]
 *
 * Prints a table and writes bench/results/pool.json.
 */
import { type Dirent, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { EncoderInput } from '../src/encoders/encoder.js';
import { encodeInPool } from '../src/encoders/pool.js';
import type { EncoderOptions } from '../src/encoders/registry.js';
import { createBuiltinTextEncoder } from '../src/encoders/text/builtin.js';
import { textTable } from '../src/experiment/report.js';
import { startWorker } from '../src/util/workers.js';
import { argValue, median } from './args.js';

const libs = argValue('libs', process.env.POOLBENCH_DIR ?? '/tmp/poolbench');
const threads = Number(argValue('threads', '2'));
const reps = Number(argValue('reps', '5'));
const nSmall = Number(argValue('small', '20000'));
const nSeq = Number(argValue('seq', '2000'));
const nLarge = Number(argValue('large', '100'));
const nTexts = Number(argValue('texts', '10000'));
const LARGE_FLOATS = 1 << 20;
const TASK_URL = new URL('./pool-task.mjs', import.meta.url);

type Task = { op: string; [k: string]: unknown };
interface Pool {
  run(task: Task, transfer?: ArrayBuffer[], signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}
interface Candidate {
  name: string;
  version: string;
  /** Bytes on disk of the package and its dependencies (0: part of this project). */
  diskBytes: number;
  open(workerData?: Record<string, unknown>): Pool;
}

/** The loop of encoders/pool.ts as a pool: one task in flight per worker, a death fails the rest. */
function oursPool(workerData: Record<string, unknown> = {}): Pool {
  type Pending = {
    id: number;
    task: Task;
    transfer: ArrayBuffer[];
    resolve(v: unknown): void;
    reject(e: Error): void;
  };
  const queue: Pending[] = [];
  const busy = new Map<Worker, Pending>();
  const idle: Worker[] = [];
  let failed: Error | undefined;
  let nextId = 0;
  const pump = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop()!;
      const p = queue.shift()!;
      busy.set(w, p);
      w.postMessage({ id: p.id, task: p.task }, p.transfer);
    }
  };
  const workers = Array.from({ length: threads }, () => {
    const w = startWorker(TASK_URL, { ...workerData, role: 'ours' });
    w.on('message', (msg: { ready?: true; value?: unknown; error?: string }) => {
      if (!msg.ready) {
        const p = busy.get(w)!;
        busy.delete(w);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.value);
      }
      idle.push(w);
      pump();
    });
    // as encodeInPool: an 'error' or a non-zero exit of any worker fails the whole call
    const fail = (err: Error): void => {
      failed ??= err;
      for (const p of [...busy.values(), ...queue.splice(0)]) p.reject(failed);
      busy.clear();
    };
    w.once('error', fail);
    w.once('exit', (code) => {
      if (code !== 0) fail(new Error(`encoder worker exited with code ${code}`));
    });
    return w;
  });
  return {
    run(task, transfer = []) {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, task, transfer, resolve, reject });
        pump();
      });
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function packageBytes(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    for (const e of readdirSafe(d)) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSize(p);
    }
  };
  walk(dir);
  return total;
}
function readdirSafe(d: string): Dirent[] {
  try {
    return readdirSync(d, { withFileTypes: true });
  } catch {
    return [];
  }
}
const statSize = (p: string): number => statSync(p).size;

interface LibPool {
  run(task: unknown, o?: { transferList?: ArrayBuffer[]; signal?: AbortSignal }): Promise<unknown>;
  destroy(): Promise<void>;
}

async function library(
  name: 'piscina' | 'tinypool',
  extra: string[],
  tuning: Record<string, unknown> = {},
  label: string = name,
): Promise<Candidate | undefined> {
  const dir = join(libs, 'node_modules', name);
  let pkg: { version: string; main?: string; exports?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    console.error(`${name} is not installed under ${libs}: skipped`);
    return undefined;
  }
  const entry = pathToFileURL(join(dir, name === 'piscina' ? 'dist/esm-wrapper.mjs' : 'dist/index.js')).href;
  const mod = (await import(entry)) as Record<string, unknown>;
  const Ctor = (mod.Piscina ?? mod.Tinypool ?? mod.default) as new (o: object) => LibPool;
  const diskBytes = [dir, ...extra.map((e) => join(libs, 'node_modules', e))].reduce(
    (a, d) => a + packageBytes(d),
    0,
  );
  return {
    name: label,
    version: pkg.version,
    diskBytes,
    open(workerData = {}) {
      const p = new Ctor({
        filename: TASK_URL.href,
        minThreads: threads,
        maxThreads: threads,
        workerData: { ...workerData, entry },
        ...tuning,
      });
      return {
        run: (task, transfer = [], signal) =>
          p.run(task, {
            ...(transfer.length ? { transferList: transfer } : {}),
            ...(signal ? { signal } : {}),
          }),
        close: () => p.destroy(),
      };
    },
  };
}

const ms = (t0: number): number => performance.now() - t0;
const small = (): Task => ({ op: 'sum', data: Float32Array.from({ length: 64 }, (_, i) => i) });

async function startup(c: Candidate): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const p = c.open();
    await Promise.all([p.run(small()), p.run(small())]);
    times.push(ms(t0));
    await p.close();
  }
  return median(times);
}

async function throughput(c: Candidate) {
  const p = c.open();
  await Promise.all(Array.from({ length: threads * 2 }, () => p.run(small()))); // warm
  let t0 = performance.now();
  const sums = await Promise.all(Array.from({ length: nSmall }, () => p.run(small())));
  const smallPerS = nSmall / (ms(t0) / 1000);
  if (sums.some((s) => s !== 2016)) throw new Error(`${c.name}: wrong sums`);
  const lat: number[] = [];
  for (let k = 0; k < nSeq; k++) {
    const t = performance.now();
    await p.run(small());
    lat.push(ms(t) * 1000);
  }
  lat.sort((a, b) => a - b);
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: nLarge }, () => {
      const data = new Float32Array(LARGE_FLOATS).fill(1);
      return p.run({ op: 'sum', data }, [data.buffer]);
    }),
  );
  const inMBs = (nLarge * LARGE_FLOATS * 4) / 2 ** 20 / (ms(t0) / 1000);
  t0 = performance.now();
  const outs = (await Promise.all(
    Array.from({ length: nLarge }, () => p.run({ op: 'echo', n: LARGE_FLOATS })),
  )) as Float32Array[];
  const outMBs = (nLarge * LARGE_FLOATS * 4) / 2 ** 20 / (ms(t0) / 1000);
  if (!outs.every((o) => o instanceof Float32Array && o[0] === LARGE_FLOATS))
    throw new Error(`${c.name}: bad echo`);
  await p.close();
  return {
    smallPerS,
    latencyP50us: median(lat),
    latencyP99us: lat[Math.floor(lat.length * 0.99)]!,
    largeInMBs: inMBs,
    largeOutMBs: outMBs,
  };
}

/** What a caller sees: the value, the rejection, or nothing within 5 s. */
const outcome = async (f: () => Promise<unknown>): Promise<string> => {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer in 5 s'), 5000);
  });
  const answer = f().then(
    (v) => `ok (${String(v)})`,
    (e: Error) => `rejected: ${e.message.slice(0, 60)}`,
  );
  const r = await Promise.race([answer, silence]);
  clearTimeout(timer);
  return r;
};

/** Each case on a fresh pool (encodeInPool starts fresh workers on every call). */
async function failures(c: Candidate) {
  const timed = async (task: Task, abortAfterMs?: number) => {
    const p = c.open();
    await Promise.all([p.run(small()), p.run(small())]);
    const t0 = performance.now();
    const signal = abortAfterMs === undefined ? undefined : AbortSignal.timeout(abortAfterMs);
    const seen = await outcome(() => p.run(task, [], signal));
    const r = { seen, ms: ms(t0), next: await outcome(() => p.run(small())) };
    await outcome(() => p.close());
    return r;
  };
  return {
    exit: await timed({ op: 'crash' }),
    uncaught: await timed({ op: 'throw' }),
    cancel: await timed({ op: 'spin', ms: 2000 }, 50),
  };
}

function texts(n: number): EncoderInput[] {
  const words =
    'alien planet love paris detective london chef bread storm sea river night war king city'.split(' ');
  return Array.from({ length: n }, (_, k) => ({
    id: `i${k}`,
    text: Array.from(
      { length: 30 },
      (_, j) => words[(k * 7 + j * j * 3 + (k >> (j % 5))) % words.length],
    ).join(' '),
  }));
}

async function encodeJob(c: Candidate, inputs: EncoderInput[], options: EncoderOptions, state: unknown) {
  const t0 = performance.now();
  if (c.name === 'ours') {
    const r = await encodeInPool(inputs, { kind: 'text', name: 'builtin', options, state, workers: threads });
    return { seconds: ms(t0) / 1000, vectors: r.vectors, dims: r.dims };
  }
  // the fitted state travels once per worker (workerData), as encodeInPool sends it
  const p = c.open({ options: { ...options, state } });
  const outs: Float32Array[] = [];
  const jobs: Promise<unknown>[] = [];
  for (let s = 0; s < inputs.length; s += 32) {
    const batch = inputs.slice(s, s + 32);
    jobs.push(
      p.run({ op: 'encode', inputs: batch }).then((o) => {
        outs[s / 32] = o as Float32Array;
      }),
    );
  }
  await Promise.all(jobs);
  const seconds = ms(t0) / 1000;
  await p.close();
  const dims = (outs[0]!.length - Math.min(32, inputs.length)) / Math.min(32, inputs.length);
  const vectors = new Float32Array(inputs.length * dims);
  outs.forEach((o, b) => {
    const n = o.length / (dims + 1);
    vectors.set(o.subarray(0, n * dims), b * 32 * dims);
  });
  return { seconds, vectors, dims };
}

const candidates: Candidate[] = [{ name: 'ours', version: 'encoders/pool.ts', diskBytes: 0, open: oursPool }];
for (const lib of [
  await library('piscina', ['@napi-rs']),
  // piscina's default wakes its workers through Atomics: measured without too
  await library('piscina', ['@napi-rs'], { atomics: 'disabled' }, 'piscina, atomics off'),
  await library('tinypool', []),
]) {
  if (lib) candidates.push(lib);
}

const inputs = texts(nTexts);
const options = { dim: 64, seed: 3 };
const enc = createBuiltinTextEncoder(options);
await enc.fit(inputs);
const state = enc.exportState();
const reference = (await enc.encode(inputs)).vectors;

const results: Record<string, unknown>[] = [];
for (const c of candidates) {
  const start = await startup(c);
  const t = await throughput(c);
  const f = await failures(c);
  const e = await encodeJob(c, inputs, options, state);
  const identical = Buffer.from(e.vectors.buffer).equals(Buffer.from(reference.buffer));
  results.push({
    pool: c.name,
    version: c.version,
    diskKB: Math.round(c.diskBytes / 1024),
    startupMs: start,
    ...t,
    ...f,
    encodeSeconds: e.seconds,
    encodeItemsPerS: nTexts / e.seconds,
    encodeIdentical: identical,
  });
  console.error(`${c.name} done`);
}

const f1 = (x: unknown): string => (typeof x === 'number' ? x.toFixed(x < 10 ? 2 : 0) : String(x));
console.log(
  textTable(
    [
      'pool',
      'version',
      'disk KB',
      'start-up ms',
      'small tasks/s',
      'latency p50 µs',
      'p99 µs',
      '4 MB in MB/s',
      '4 MB out MB/s',
      `encode ${nTexts} items/s`,
      'same vectors',
    ],
    results.map((r) =>
      [
        r.pool,
        r.version,
        r.diskKB === 0 ? '-' : r.diskKB,
        r.startupMs,
        r.smallPerS,
        r.latencyP50us,
        r.latencyP99us,
        r.largeInMBs,
        r.largeOutMBs,
        r.encodeItemsPerS,
        r.encodeIdentical,
      ].map(f1),
    ),
  ),
);
type Seen = { seen: string; ms: number; next: string };
console.log(
  `\n${textTable(
    ['pool', 'case', 'the task', 'after ms', 'the next task'],
    results.flatMap((r) =>
      (
        [
          ['worker calls process.exit', r.exit],
          ['uncaught error in worker', r.uncaught],
          ['aborted after 50 ms (2-s task)', r.cancel],
        ] as [string, Seen][]
      ).map(([what, o]) => [String(r.pool), what, o.seen, f1(o.ms), o.next]),
    ),
  )}`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/pool.json',
  `${JSON.stringify({ date: new Date().toISOString(), threads, reps, nSmall, nSeq, nLarge, nTexts, results }, null, 2)}\n`,
);
