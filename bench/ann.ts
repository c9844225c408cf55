/**
 * Retrieval speed and quality: 100,000 items x 64 dims (seeded low-rank clusters plus noise,
 * log-normal norms), exact brute force (WASM SIMD scan) against HNSW with exact re-scoring.
 * Reports build time, single-query latency p50/p99 and recall@10 against brute force over 1,000
 * queries, for the default HNSW settings, an efSearch sweep, a popularity-like item bias, the
 * MIPS-to-NN transform (ip and l2 spaces), insertion in index order instead of ascending norm,
 * and filtered searches (recall against the filtered exact top-k). Prints a table, writes JSON.
 *
 *   node --import tsx bench/ann.ts [--n 100000] [--queries 1000] [--vectors]
 */
import { writeFileSync } from 'node:fs';
import { textTable } from '../src/experiment/report.js';
import type { BruteForceIndex } from '../src/serve/retrieval/brute.js';
import { HnswIndex, type HnswOptions } from '../src/serve/retrieval/hnsw.js';
import { buildIndex, type SearchHit, type VectorIndex } from '../src/serve/retrieval/index.js';
import { decodeItemIndex, encodeItemIndex, readSavedIndex } from '../src/serve/retrieval/persist.js';
import type { Int8ScanIndex } from '../src/serve/retrieval/quantized.js';
import { syntheticFactors } from '../src/serve/retrieval/synthetic.js';
import { Rng } from '../src/util/rng.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const n = arg('n', 100_000);
const nq = arg('queries', 1000);
const dim = 64;
const k = 10;
const { items, queries } = syntheticFactors(n, dim, 2024);
const qs = queries(nq);
// Popularity-like bias: grows with the item's norm, plus noise.
const rng = new Rng(7);
const bias = Float32Array.from({ length: n }, (_, i) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += items[i * dim + d]! ** 2;
  return 0.5 * Math.log(Math.sqrt(s)) + 0.2 * rng.normal();
});

interface Row {
  index: string;
  buildS: number;
  p50Ms: number;
  p99Ms: number;
  qps: number;
  recallAt10: number;
  /** Unfiltered rows only: recall of the top 40 (deeper ranks). */
  recallAt40?: number;
}
const rows: Row[] = [];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, (performance.now() - t0) / 1000];
}

/** Times single queries and measures recall against `truth`. */
function measure(
  label: string,
  index: VectorIndex,
  buildS: number,
  truth: SearchHit[][],
  filter?: (i: number) => boolean,
  deepTruth?: SearchHit[][],
): void {
  for (let r = 0; r < Math.min(50, nq); r++) index.search(qs.subarray(r * dim, (r + 1) * dim), k, filter); // warm-up
  const times: number[] = [];
  let recall = 0;
  for (let r = 0; r < nq; r++) {
    const q = qs.subarray(r * dim, (r + 1) * dim);
    const t0 = performance.now();
    const hits = index.search(q, k, filter);
    times.push(performance.now() - t0);
    const got = new Set(hits.map((h) => h.item));
    const want = truth[r]!;
    recall += want.length === 0 ? 1 : want.filter((h) => got.has(h.item)).length / want.length;
  }
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  const row = {
    index: label,
    buildS,
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    qps: (1000 * nq) / total,
    recallAt10: recall / nq,
  };
  if (deepTruth) {
    let deep = 0;
    for (let r = 0; r < nq; r++) {
      const got = new Set(index.search(qs.subarray(r * dim, (r + 1) * dim), 40).map((h) => h.item));
      deep += deepTruth[r]!.filter((h) => got.has(h.item)).length / deepTruth[r]!.length;
    }
    Object.assign(row, { recallAt40: deep / nq });
  }
  rows.push(row);
  console.error(`${label}: p50 ${row.p50Ms.toFixed(3)} ms, recall ${row.recallAt10.toFixed(4)}`);
}

function hnsw(options: HnswOptions, withBias: boolean, indexOrder = false): [HnswIndex, number] {
  return timed(() => {
    if (!options.mipsTransform && !indexOrder) {
      return buildIndex(items, dim, { kind: 'hnsw', seed: 1, ...(withBias ? { bias } : {}) }) as HnswIndex;
    }
    let r2 = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += items[i * dim + d]! ** 2;
      r2 = Math.max(r2, s);
    }
    const index = new HnswIndex(dim, { ...options, seed: 1, capacity: n, maxNorm: Math.sqrt(r2) });
    for (let i = 0; i < n; i++) index.upsert(i, items.subarray(i * dim, (i + 1) * dim));
    return index;
  });
}

/**
 * `--vectors`: only float32 against int8 serving vectors (issue 15), with the item bias: exact scan,
 * int8 scan + exact re-scoring, HNSW default on each (one graph, restored over an int8 store), with
 * the bytes of the table each keeps for scans and re-scoring. Writes bench/results/ann-vectors.json.
 */
async function vectorsOnly(): Promise<void> {
  const [f32, f32Build] = timed(() => buildIndex(items, dim, { kind: 'brute', bias }) as BruteForceIndex);
  const truthB = f32.searchMany(qs, k);
  measure('exact scan, float32 (WASM SIMD)', f32, f32Build, truthB);
  const [i8, i8Build] = timed(() => buildIndex(items, dim, { kind: 'brute', bias, vectors: 'int8' }));
  measure('int8 scan (JS) + exact float32 re-score', i8, i8Build, truthB);
  const [g, gBuild] = timed(() => buildIndex(items, dim, { kind: 'hnsw', seed: 1, bias }) as HnswIndex);
  measure('hnsw default, float32 store', g, gBuild, truthB);
  const saved = await encodeItemIndex(g, items, bias);
  const [g8, g8Build] = await timedAsync(() => decodeItemIndex(saved, items, dim, { bias, vectors: 'int8' }));
  measure('hnsw default, int8 store (same graph)', g8, g8Build, truthB);
  const f32Bytes = n * (Math.ceil(dim / 4) * 4 * 4 + 4 + 1);
  const i8Bytes = (i8 as Int8ScanIndex).tableBytes;
  const graphBytes = readSavedIndex(saved).header.graphBytes;
  const mem = [f32Bytes, i8Bytes, f32Bytes, i8Bytes];
  const table = rows.map((r, j) => ({ ...r, tableMB: mem[j]! / 2 ** 20 }));
  console.log(
    textTable(
      ['index', 'build s', 'p50 ms', 'p99 ms', 'recall@10', 'scan/re-score table MB'],
      table.map((r) => [
        r.index,
        r.buildS.toFixed(2),
        r.p50Ms.toFixed(3),
        r.p99Ms.toFixed(3),
        r.recallAt10.toFixed(4),
        r.tableMB.toFixed(1),
      ]),
    ),
  );
  console.log(`hnswlib graph (same for both stores): ${(graphBytes / 2 ** 20).toFixed(1)} MB`);
  const out = 'bench/results/ann-vectors.json';
  const command = `node --import tsx bench/ann.ts --vectors --n ${n} --queries ${nq}`;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    command,
    shape: { n, dim, queries: nq, k },
    graphMB: graphBytes / 2 ** 20,
    rows: table,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${out}`);
}

async function timedAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await f();
  return [out, (performance.now() - t0) / 1000];
}

if (process.argv.includes('--vectors')) {
  await vectorsOnly();
  process.exit(0);
}

console.error(`${n} items x ${dim}, ${nq} queries, k = ${k}`);
const [brute, bruteBuild] = timed(() => buildIndex(items, dim, { kind: 'brute' }) as BruteForceIndex);
const truth = brute.searchMany(qs, k);
const truth40 = brute.searchMany(qs, 40);
measure('brute force (WASM SIMD scan)', brute, bruteBuild, truth, undefined, truth40);

const [plain, plainBuild] = hnsw({}, false);
for (const ef of [64, 128, 256]) {
  plain.efSearch = ef;
  measure(
    `hnsw ip M16 efC200 ef${ef}${ef === 128 ? ' (default)' : ''}`,
    plain,
    plainBuild,
    truth,
    undefined,
    truth40,
  );
}
plain.efSearch = 128;
const half = (i: number) => i % 2 === 0;
const rare = (i: number) => i % 50 === 3;
measure('brute force, filter passes 50%', brute, bruteBuild, brute.searchMany(qs, k, half), half);
measure('hnsw default, filter passes 50%', plain, plainBuild, brute.searchMany(qs, k, half), half);
const rareTruth = brute.searchMany(qs, k, rare);
measure('brute force, filter passes 2%', brute, bruteBuild, rareTruth, rare);
measure('hnsw default, filter passes 2%', plain, plainBuild, rareTruth, rare);

const biasedBrute = buildIndex(items, dim, { kind: 'brute', bias }) as BruteForceIndex;
const [biased, biasedBuild] = hnsw({}, true);
measure('hnsw default + item bias', biased, biasedBuild, biasedBrute.searchMany(qs, k));

const [ordered, orderedBuild] = hnsw({}, false, true);
measure('hnsw default, inserted in index order', ordered, orderedBuild, truth, undefined, truth40);

const [tip, tipBuild] = hnsw({ mipsTransform: true, space: 'ip' }, false);
measure('hnsw MIPS transform, ip space', tip, tipBuild, truth, undefined, truth40);
const [tl2, tl2Build] = hnsw({ mipsTransform: true, space: 'l2' }, false);
measure('hnsw MIPS transform, l2 space', tl2, tl2Build, truth, undefined, truth40);

const bruteP50 = rows[0]!.p50Ms;
console.log(
  textTable(
    ['index', 'build s', 'p50 ms', 'p99 ms', 'QPS', 'recall@10', 'recall@40', 'p50 speed-up vs brute'],
    rows.map((r) => [
      r.index,
      r.buildS.toFixed(2),
      r.p50Ms.toFixed(3),
      r.p99Ms.toFixed(3),
      r.qps.toFixed(0),
      r.recallAt10.toFixed(4),
      r.recallAt40 === undefined ? '' : r.recallAt40.toFixed(4),
      (bruteP50 / r.p50Ms).toFixed(1),
    ]),
  ),
);
const out = 'bench/results/ann.json';
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, shape: { n, dim, queries: nq, k }, rows }, null, 2)}\n`,
);
console.log(`written ${out}`);
