/**
 * Collaborative models against MMRec on the same splits (issue "training engine"): BPR and
 * LightGCN on lfm2k and Baby, MMRec's defaults, early stopping on valid Recall@20 (patience 20),
 * test at the best-validation epoch. Each run is a child process so that its peak memory is its own.
 *
 *   node --import tsx bench/cf.ts [--data lfm2k,baby] [--models bpr,lightgcn]
 *
 * Prints a table and writes bench/results/cf.json.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { runExperiment } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';

/** MMRec on this machine (PyTorch 1.13 CPU, one thread), from the issue. */
const MMREC: Record<string, { r20: number; n20: number; sPerEpoch: number }> = {
  'lfm2k/bpr': { r20: 0.3965, n20: 0.2736, sPerEpoch: 0.21 },
  'lfm2k/lightgcn': { r20: 0.4051, n20: 0.2787, sPerEpoch: 0.53 },
  'baby/bpr': { r20: 0.0553, n20: 0.0231, sPerEpoch: 0.97 },
  'baby/lightgcn': { r20: 0.0776, n20: 0.0328, sPerEpoch: 8.0 },
};

interface RunResult {
  data: string;
  model: string;
  r20: number;
  n20: number;
  sPerEpoch: number;
  bestEpoch: number;
  epochs: number;
  evalPassSeconds: number;
  wallSeconds: number;
  peakRssMiB: number;
}

async function child(data: string, model: string, out: string): Promise<void> {
  const t0 = performance.now();
  const ds = await loadDataset(`shared:${data}`);
  const r = await runExperiment(ds, { models: [{ name: model }], seed: 42 });
  const m = r.results[0]!;
  const res: RunResult = {
    data,
    model,
    r20: m.metrics['recall@20']!,
    n20: m.metrics['ndcg@20']!,
    sPerEpoch: m.trainSecondsPerEpoch,
    bestEpoch: m.bestEpoch,
    epochs: m.epochs,
    evalPassSeconds:
      m.evalSeconds / Math.max(1, m.history.length + m.history.filter((h) => h.improved).length),
    wallSeconds: (performance.now() - t0) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  writeFileSync(out, JSON.stringify(res));
}

async function main(): Promise<void> {
  const arg = (name: string, def: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1]! : def;
  };
  if (process.argv.includes('--child')) {
    await child(arg('data', ''), arg('model', ''), arg('out', ''));
    return;
  }
  const rows: RunResult[] = [];
  for (const data of arg('data', 'lfm2k,baby').split(',')) {
    for (const model of arg('models', 'bpr,lightgcn').split(',')) {
      const out = join(tmpdir(), `fusionrec-cf-${process.pid}-${data}-${model}.json`);
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/cf.ts', '--child', '--data', data, '--model', model, '--out', out],
        { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CI: '1' } },
      );
      if (r.status !== 0) throw new Error(`run ${data}/${model} failed with status ${r.status}`);
      rows.push(JSON.parse(readFileSync(out, 'utf8')) as RunResult);
    }
  }
  console.log(
    textTable(
      [
        'data',
        'model',
        'R@20',
        'MMRec R@20',
        'N@20',
        'MMRec N@20',
        's/epoch',
        'MMRec s/epoch',
        'speed-up',
        'best/epochs',
        'eval s',
        'peak MiB',
      ],
      rows.map((r) => {
        const ref = MMREC[`${r.data}/${r.model}`];
        return [
          r.data,
          r.model,
          r.r20.toFixed(4),
          ref ? ref.r20.toFixed(4) : '-',
          r.n20.toFixed(4),
          ref ? ref.n20.toFixed(4) : '-',
          r.sPerEpoch.toFixed(3),
          ref ? ref.sPerEpoch.toFixed(2) : '-',
          ref ? `${(ref.sPerEpoch / r.sPerEpoch).toFixed(1)}x` : '-',
          `${r.bestEpoch}/${r.epochs}`,
          r.evalPassSeconds.toFixed(2),
          r.peakRssMiB.toFixed(0),
        ];
      }),
    ),
  );
  writeFileSync(
    'bench/results/cf.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, mmrec: MMREC, rows }, null, 2)}\n`,
  );
  console.log('written bench/results/cf.json');
}

await main();
