/**
 * Evaluation speed: one all-item ranking pass at Baby's shape (19,445 users x 7,050 items) for a
 * 64-dim factor model and for popularity, on 1 thread and on all cores. Prints a table, writes JSON.
 *
 *   node --import tsx bench/eval-speed.ts [--repeat 3]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Interactions } from '../src/data/interactions.js';
import { LogBuilder } from '../src/data/log.js';
import { evaluateRanking } from '../src/eval/evaluator.js';
import { textTable } from '../src/experiment/report.js';
import { KernelModel } from '../src/models/kernel-model.js';
import { Rng } from '../src/util/rng.js';

const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1] ?? 3) || 3;
const nUsers = 19445;
const nItems = 7050;
const dim = 64;
const rng = new Rng(1);

function matrix(perUser: number): Interactions {
  const b = new LogBuilder();
  for (let u = 0; u < nUsers; u++) for (let t = 0; t < perUser; t++) b.push(u, rng.int(nItems));
  return Interactions.fromLog(b.build(), nUsers, nItems);
}
const train = matrix(6);
const test = matrix(1);

const dot = new KernelModel('dot-64', {
  kind: 'dot',
  nUsers,
  nItems,
  dim,
  userFactors: Float32Array.from({ length: nUsers * dim }, () => rng.normal() * 0.1),
  itemFactors: Float32Array.from({ length: nItems * dim }, () => rng.normal() * 0.1),
});
const pop = new KernelModel('popularity', {
  kind: 'item-scores',
  nItems,
  itemScores: Float32Array.from(train.itemCounts()),
});

const cores = availableParallelism();
const rows: { model: string; workers: number; median: number; min: number; runs: number[] }[] = [];
for (const [label, model] of [
  ['dot-64', dot],
  ['popularity', pop],
] as const) {
  for (const workers of [1, cores]) {
    const runs: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      await evaluateRanking(model, test, [train], { ks: [10, 20], workers });
      runs.push((performance.now() - t0) / 1000);
    }
    const sorted = [...runs].sort((a, b) => a - b);
    rows.push({
      model: label,
      workers,
      median: sorted[Math.floor(sorted.length / 2)]!,
      min: sorted[0]!,
      runs,
    });
  }
}
const base = new Map(rows.filter((r) => r.workers === 1).map((r) => [r.model, r.median]));
console.log(
  textTable(
    ['model', 'workers', 'median s', 'min s', 'speed-up vs 1 worker'],
    rows.map((r) => [
      r.model,
      String(r.workers),
      r.median.toFixed(3),
      r.min.toFixed(3),
      (base.get(r.model)! / r.median).toFixed(2),
    ]),
  ),
);
const out = 'bench/results/eval-speed.json';
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores, shape: { nUsers, nItems, dim }, rows }, null, 2)}\n`,
);
console.log(`written ${out}`);
