/**
 * Runs one configuration of a sweep file (a JSON array of experiment configs) and writes its
 * result as JSON: `node --import tsx bench/sweep.ts <sweep.json> <index> <outDir>`. Each config is
 * { label, dataset, modalities?: {name: file}, split?, model: {name, params}, maxEpochs?, patience?,
 * seed? }. Used to run many settings side by side on a machine with many cores (one process
 * each, evaluation on the main thread); choices are made on the validation metric only (the test
 * metrics are recorded at the best-validation epoch, as `fusionrec experiment` does).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { resultToJson, runExperiment } from '../src/experiment/experiment.js';

interface SweepConfig {
  label: string;
  dataset: string;
  modalities?: Record<string, string>;
  split?: string;
  model: { name: string; params?: Record<string, unknown> };
  maxEpochs?: number;
  patience?: number;
  seed?: number;
}

const [file, indexText, outDir] = process.argv.slice(2);
if (!file || indexText === undefined || !outDir) {
  process.stderr.write('usage: sweep.ts <sweep.json> <index> <outDir>\n');
  process.exit(2);
}
const configs = JSON.parse(await readFile(file, 'utf8')) as SweepConfig[];
const cfg = configs[Number(indexText)];
if (!cfg) throw new Error(`no config ${indexText} in ${file}`);
const root = process.env.FUSIONREC_DATA ?? '';
const resolvePath = (p: string) => p.replace('$DATA', root);
const ds = await loadDataset(resolvePath(cfg.dataset), {
  modalities: Object.fromEntries(Object.entries(cfg.modalities ?? {}).map(([k, v]) => [k, resolvePath(v)])),
});
const t0 = performance.now();
const result = await runExperiment(ds, {
  models: [{ ...cfg.model, label: cfg.label }],
  seed: cfg.seed ?? 42,
  patience: cfg.patience ?? 20,
  maxEpochs: cfg.maxEpochs ?? 1000,
  workers: 1,
  ...(process.env.SWEEP_DEADLINE ? { deadline: Number(process.env.SWEEP_DEADLINE) } : {}),
  ...(cfg.split ? { split: cfg.split } : {}),
});
const r = result.results[0]!;
const summary = {
  label: cfg.label,
  config: cfg,
  validR20: r.validMetrics['recall@20'],
  testR20: r.metrics['recall@20'],
  testN20: r.metrics['ndcg@20'],
  sPerEpoch: r.trainSecondsPerEpoch,
  bestEpoch: r.bestEpoch,
  epochs: r.epochs,
  wallSeconds: (performance.now() - t0) / 1000,
  learned: r.learned,
};
await mkdir(outDir, { recursive: true });
await writeFile(
  join(outDir, `${String(indexText).padStart(2, '0')}.json`),
  `${JSON.stringify({ summary, result: resultToJson(result) }, null, 1)}\n`,
);
process.stdout.write(`${JSON.stringify(summary)}\n`);
