/**
 * @module bench/ml-content
 * Issue 18: can better use of the content make a multimodal model significantly better than
 * LightGCN on warm items of MovieLens (ml-latest-small, posters through the built-in image encoder,
 * title + TMDB overview through the built-in text encoder)? Same protocol as the earlier warm rows
 * of BENCHMARKS.md: random 8:1:1 per user (the seed draws the split), positives rating >= 4, all
 * items ranked, early stopping on validation Recall@20. Every variant runs over every seed in one
 * runExperimentSeeds call (paired with lightgcn, the first model); within each family the setting
 * with the best MEAN VALIDATION Recall@20 is chosen, and only then are its test figures read.
 *
 *   node --import tsx bench/ml-content.ts [--seeds 1,2,3] [--max-epochs 40] [--patience 10]
 *     [--variants label,label,...] [--limit-minutes 26] [--out bench/results/ml-content.json]
 *
 * Features are encoded once (`fusionrec encode -d shared:ml-latest-small-mm --positive rating>=4`)
 * into .fusionrec/encoded/ml-latest-small-mm and read from there on later runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import type { ModelSpec } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';
import { runExperimentSeeds, seedResultToJson } from '../src/experiment/seeds.js';
import { argValue } from './args.js';

const seeds = argValue('seeds', '1,2,3').split(',').map(Number);
const maxEpochs = Number(argValue('max-epochs', '40'));
const patience = Number(argValue('patience', '10'));
const limitMinutes = Number(argValue('limit-minutes', '26'));
const outFile = argValue('out', 'bench/results/ml-content.json');
const encoded = '.fusionrec/encoded/ml-latest-small-mm';

/** A variant: its family (the choice is made within a family) and the model spec. */
interface Variant {
  family: string;
  spec: ModelSpec;
}

const FUSION = { fusion: 'weighted', lr: 0.01, batchSize: 4096 };
const FREEDOM = { lr: 0.005, dropout: 0.5 };
const ALL: Variant[] = [
  { family: 'lightgcn', spec: { name: 'lightgcn', label: 'lightgcn', params: { lr: 0.005 } } },
  {
    family: 'fusion',
    spec: { name: 'fusion', label: 'fusion l2 L2', params: { ...FUSION, layers: 2, normalize: 'l2' } },
  },
  {
    family: 'fusion',
    spec: { name: 'fusion', label: 'fusion std L2', params: { ...FUSION, layers: 2, normalize: 'standard' } },
  },
  {
    family: 'fusion',
    spec: { name: 'fusion', label: 'fusion std L0', params: { ...FUSION, layers: 0, normalize: 'standard' } },
  },
  {
    family: 'freedom',
    spec: { name: 'freedom', label: 'freedom none auto', params: { ...FREEDOM } },
  },
  {
    family: 'freedom',
    spec: { name: 'freedom', label: 'freedom std auto', params: { ...FREEDOM, normalize: 'standard' } },
  },
  {
    family: 'freedom',
    spec: {
      name: 'freedom',
      label: 'freedom std t.5/i.5',
      params: { ...FREEDOM, normalize: 'standard', weights: 'text=0.5,image=0.5' },
    },
  },
  {
    family: 'freedom',
    spec: {
      name: 'freedom',
      label: 'freedom std reg1e-3',
      params: { ...FREEDOM, normalize: 'standard', reg: 1e-3 },
    },
  },
  {
    family: 'vbpr',
    spec: { name: 'vbpr', label: 'vbpr l2', params: { lr: 0.001, reg: 1, normalize: 'l2' } },
  },
  {
    family: 'vbpr',
    spec: { name: 'vbpr', label: 'vbpr std', params: { lr: 0.001, reg: 1, normalize: 'standard' } },
  },
  { family: 'itemknn-text', spec: { name: 'itemknn', label: 'itemknn text', params: { source: 'text' } } },
  { family: 'itemknn-image', spec: { name: 'itemknn', label: 'itemknn image', params: { source: 'image' } } },
];

/** What fits the time budget on a shared 2-core machine (the others: --variants). */
const DEFAULT_VARIANTS = 'fusion std L2,freedom none auto,freedom std auto';
const wanted = argValue('variants', DEFAULT_VARIANTS).split(',');
const variants = ALL.filter((v, i) => i === 0 || wanted.includes(v.spec.label!));

if (!existsSync(join(encoded, 'text.npy')) || !existsSync(join(encoded, 'image.npy'))) {
  console.log('encoding ml-latest-small-mm once (built-in text and image encoders)...');
  execFileSync(
    'node',
    [
      'bin/fusionrec.mjs',
      'encode',
      '-d',
      'shared:ml-latest-small-mm',
      '--positive',
      'rating>=4',
      '--audio',
      'none',
    ],
    { stdio: 'inherit' },
  );
}
const ds = await loadDataset('shared:ml-latest-small-mm', {
  positive: ['rating>=4'],
  modalities: { text: join(encoded, 'text.npy'), image: join(encoded, 'image.npy') },
});

const started = Date.now();
const result = await runExperimentSeeds(
  ds,
  {
    models: variants.map((v) => v.spec),
    split: 'random:0.8,0.1,0.1',
    maxEpochs,
    patience,
    workers: 1,
    deadline: started + limitMinutes * 60_000,
    onEpoch: (model, info) => {
      if (info.epoch % 10 === 0) {
        const min = ((Date.now() - started) / 60_000).toFixed(1);
        console.log(`  [${min} min] ${model} epoch ${info.epoch} valid ${info.valid.toFixed(4)}`);
      }
    },
  },
  seeds,
  (seed) => console.log(`seed ${seed} (${((Date.now() - started) / 60_000).toFixed(1)} min)`),
);
const minutes = (Date.now() - started) / 60_000;

// Choice within each family on mean validation Recall@20 only.
const chosen = new Map<string, string>();
for (const family of new Set(variants.map((v) => v.family))) {
  let best: { label: string; valid: number } | undefined;
  for (const v of variants.filter((x) => x.family === family)) {
    const s = result.summary.find((x) => x.label === v.spec.label);
    const valid = s?.validMetrics['recall@20']?.mean ?? Number.NEGATIVE_INFINITY;
    if (!best || valid > best.valid) best = { label: v.spec.label!, valid };
  }
  if (best) chosen.set(family, best.label);
}

const fmt = (x: number | undefined, d = 4) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
const pfmt = (p: number | undefined) => (p === undefined ? '' : p < 1e-3 ? p.toExponential(0) : p.toFixed(3));
/** Per-seed user-level paired t-test p against lightgcn (each seed has its own split). */
const perSeedUserP = (label: string, metric: string) =>
  result.runs.map((run) => run.comparisons.find((c) => c.model === label && c.metric === metric)?.tTestP);

const rows = result.summary.map((s) => {
  const family = variants.find((v) => v.spec.label === s.label)!.family;
  const cmp = result.comparisons.find((c) => c.model === s.label && c.metric === 'recall@20');
  const r = s.metrics['recall@20'];
  const n = s.metrics['ndcg@20'];
  return {
    label: s.label,
    family,
    chosen: chosen.get(family) === s.label,
    validR20: s.validMetrics['recall@20']?.mean,
    validR20Std: s.validMetrics['recall@20']?.std,
    testR20: r?.mean,
    testR20Std: r?.std,
    testN20: n?.mean,
    testN20Std: n?.std,
    diffR20: cmp?.seeds.meanDiff,
    seedsTTestP: cmp?.seeds.tTestP,
    seedsWins: cmp?.seeds.wins,
    usersTTestP: cmp?.users?.tTestP,
    usersWilcoxonP: cmp?.users?.wilcoxonP,
    perSeedUserTTestP: perSeedUserP(s.label, 'recall@20'),
    secondsPerEpoch: s.trainSecondsPerEpoch.mean,
    bestEpoch: s.bestEpoch.mean,
  };
});

console.log(
  textTable(
    [
      'variant',
      'chosen',
      'valid R@20',
      'test R@20',
      'test N@20',
      'ΔR@20',
      'p seeds',
      'p users',
      'p users/seed',
      's/ep',
      'best ep',
    ],
    rows.map((r) => [
      r.label,
      r.chosen ? '*' : '',
      fmt(r.validR20),
      `${fmt(r.testR20)} ± ${fmt(r.testR20Std)}`,
      `${fmt(r.testN20)} ± ${fmt(r.testN20Std)}`,
      r.diffR20 === undefined ? '' : (r.diffR20 >= 0 ? '+' : '') + fmt(r.diffR20),
      pfmt(r.seedsTTestP),
      pfmt(r.usersTTestP),
      r.perSeedUserTTestP.map(pfmt).join(' / '),
      fmt(r.secondsPerEpoch, 2),
      fmt(r.bestEpoch, 0),
    ]),
  ),
);
console.log(`${minutes.toFixed(1)} min`);

await mkdir(dirname(outFile), { recursive: true });
await writeFile(
  outFile,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      command: `node --import tsx bench/ml-content.ts ${process.argv.slice(2).join(' ')}`.trim(),
      protocol: {
        dataset: 'shared:ml-latest-small-mm',
        positive: 'rating>=4',
        split: 'random:0.8,0.1,0.1 (drawn by the seed)',
        features: { text: `${encoded}/text.npy`, image: `${encoded}/image.npy` },
        seeds,
        maxEpochs,
        patience,
        choice: 'per family, best mean validation recall@20 over the seeds',
      },
      minutes,
      rows,
      seedResult: seedResultToJson(result),
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${outFile}`);
