/**
 * @module bench/autotune
 * Defaults against budgeted auto-tuning (experiment/autotune: successive halving on validation
 * only) on Last.fm-2k: for each model and seed, (a) the shipped defaults and (b) the setting the
 * tuner chose within the budget, each trained with early stopping on validation and evaluated on
 * test once at the best-validation epoch. The split is the data set's own (x_label, as MMRec);
 * the seed draws the models' initialisation, sampling and the tuner's configurations.
 *
 *   node --import tsx bench/autotune.ts [--models bpr,freedom,lightgcn,fusion] [--seeds 1,2,3]
 *     [--budget 60] [--max-epochs 150] [--patience 10] [--limit-minutes 38]
 *
 * Prints a table and writes bench/results/autotune.json after every (model, seed), so a run stopped
 * by --limit-minutes keeps what it finished.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AutoTuneResult, autoTune } from '../src/experiment/autotune.js';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { runExperiment } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';
import { summarize } from '../src/experiment/seed-stats.js';
import { argValue } from './args.js';

const models = argValue('models', 'bpr,freedom,lightgcn,fusion').split(',');
const seeds = argValue('seeds', '1,2,3').split(',').map(Number);
const budget = Number(argValue('budget', '60'));
const maxEpochs = Number(argValue('max-epochs', '150'));
const patience = Number(argValue('patience', '10'));
const limitMs = Number(argValue('limit-minutes', '38')) * 60_000;
const root = process.env.FUSIONREC_DATA ?? '../shared/data';
const features = join(root, 'lastfm-2k-mm', 'features');
const ds = await loadDataset('shared:lfm2k', {
  modalities: { text: join(features, 'all-MiniLM-L6-v2.npy'), audio: join(features, 'whisper.npy') },
});

interface Cell {
  model: string;
  seed: number;
  defaults: { validR20: number; testR20: number; testN20: number; bestEpoch: number; seconds: number };
  tuned: { validR20: number; testR20: number; testN20: number; bestEpoch: number; seconds: number };
  tuning: Omit<AutoTuneResult, 'trials'> & { runs: number };
}

const started = Date.now();
const cells: Cell[] = [];
const common = { seed: 0, maxEpochs, patience, workers: 1 };

async function trainAndTest(model: string, seed: number, params: Record<string, unknown>) {
  const t = performance.now();
  const r = await runExperiment(ds, { ...common, seed, models: [{ name: model, params }] });
  const m = r.results[0]!;
  return {
    validR20: m.validMetrics['recall@20']!,
    testR20: m.metrics['recall@20']!,
    testN20: m.metrics['ndcg@20']!,
    bestEpoch: m.bestEpoch,
    seconds: (performance.now() - t) / 1000,
  };
}

const fmt = (x: number) => x.toFixed(4);
function table(): string {
  const rows = models.flatMap((model) => {
    const cs = cells.filter((c) => c.model === model);
    if (cs.length === 0) return [];
    const d = summarize(cs.map((c) => c.defaults.testR20));
    const t = summarize(cs.map((c) => c.tuned.testR20));
    return [
      [
        model,
        String(cs.length),
        cs.map((c) => fmt(c.defaults.testR20)).join(' / '),
        `${fmt(d.mean)} ± ${fmt(d.std)}`,
        cs.map((c) => fmt(c.tuned.testR20)).join(' / '),
        `${fmt(t.mean)} ± ${fmt(t.std)}`,
        (t.mean / d.mean).toFixed(3),
        `${cs.filter((c) => c.tuning.isDefault).length}/${cs.length}`,
        (cs.reduce((s, c) => s + c.tuning.usedSeconds, 0) / cs.length).toFixed(0),
      ],
    ];
  });
  return textTable(
    [
      'model',
      'seeds',
      'defaults test R@20 per seed',
      'mean ± std',
      'tuned test R@20 per seed',
      'mean ± std',
      'tuned/defaults',
      'chose defaults',
      'tuning s',
    ],
    rows,
  );
}

async function save(): Promise<void> {
  await mkdir('bench/results', { recursive: true });
  const out = {
    date: new Date().toISOString(),
    command: `node --import tsx bench/autotune.ts ${process.argv.slice(2).join(' ')}`.trim(),
    dataset: 'lfm2k (x_label split), text MiniLM + audio Whisper',
    budgetSeconds: budget,
    maxEpochs,
    patience,
    seeds,
    cells,
  };
  await writeFile('bench/results/autotune.json', `${JSON.stringify(out, null, 1)}\n`);
}

outer: for (const model of models) {
  for (const seed of seeds) {
    if (Date.now() - started > limitMs) {
      process.stderr.write(`time limit reached before ${model} seed ${seed}\n`);
      break outer;
    }
    const defaults = await trainAndTest(model, seed, {});
    const { trials, ...tuning } = await autoTune(ds, {
      model,
      budgetSeconds: budget,
      seed,
      workers: 1,
      patience,
      maxEpochs,
    });
    // The same seed and setting train identically: the defaults' run is reused when they were chosen.
    const tuned = tuning.isDefault ? defaults : await trainAndTest(model, seed, tuning.params);
    cells.push({ model, seed, defaults, tuned, tuning: { ...tuning, runs: trials.length } });
    process.stderr.write(
      `${model} seed ${seed}: defaults ${fmt(defaults.testR20)} (valid ${fmt(defaults.validR20)}), ` +
        `tuned ${fmt(tuned.testR20)} (valid ${fmt(tuned.validR20)}) with ${JSON.stringify(tuning.params)}; ` +
        `${trials.length} tuning runs in ${tuning.usedSeconds.toFixed(0)} s\n`,
    );
    await save();
  }
}
process.stdout.write(`${table()}\n`);
await save();
