/**
 * VBPR against MMRec on Last.fm-2k (issue 5): text = all-MiniLM-L6-v2, audio = Whisper (MMRec ran
 * Whisper in its visual slot), MMRec's split and VBPR settings (dim 64, lr 1e-3, reg 1e-4, batch
 * 2048).
 *
 *   node --import tsx bench/vbpr.ts [--groups speed,accuracy] [--epochs 10] [--rounds 3]
 *
 * speed: training seconds per epoch of each projection backend (onnx with 1 and 2 threads, our
 * WebAssembly SIMD product), `--epochs` epochs per run, the backends interleaved over `--rounds`
 * rounds in child processes so that the machine's noise hits each alike; the table gives the median
 * per backend and its ratio to MMRec's 0.32 s/epoch. accuracy: full training with early stopping on
 * valid Recall@20 (patience 20), test at the best-validation epoch, seeds 42, 1, 2.
 *
 * Prints tables and writes bench/results/vbpr.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { runExperiment } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';
import { datasetPath, hasDataset } from '../src/io/data-root.js';
import { argValue, mean, median } from './args.js';

/** MMRec's VBPR on this machine (from the issue). */
const MMREC = { r20: 0.3608, n20: 0.2457, sPerEpoch: 0.32 };
const FEATURES = ['lastfm-2k-mm', 'features'];
const FILES = { text: 'all-MiniLM-L6-v2.npy', audio: 'whisper.npy' };
const BACKENDS: { label: string; params: Record<string, unknown> }[] = [
  { label: 'onnx, 2 threads (default)', params: { backend: 'onnx', threads: 2 } },
  { label: 'onnx, 1 thread', params: { backend: 'onnx', threads: 1 } },
  { label: 'wasm (WebAssembly SIMD128)', params: { backend: 'wasm' } },
];
const SEEDS = [42, 1, 2];

interface ChildArgs {
  params: Record<string, unknown>;
  seed: number;
  maxEpochs?: number;
}

interface ChildResult {
  sPerEpoch: number;
  epochs: number;
  bestEpoch: number;
  validR20: number;
  r20: number;
  n20: number;
}

async function child(a: ChildArgs, out: string): Promise<void> {
  const modalities = {
    text: datasetPath(...FEATURES, FILES.text),
    audio: datasetPath(...FEATURES, FILES.audio),
  };
  const ds = await loadDataset('shared:lfm2k', { modalities });
  const r = await runExperiment(ds, {
    models: [{ name: 'vbpr', params: a.params }],
    seed: a.seed,
    ...(a.maxEpochs ? { maxEpochs: a.maxEpochs } : {}),
  });
  const m = r.results[0]!;
  const res: ChildResult = {
    sPerEpoch: m.trainSecondsPerEpoch,
    epochs: m.epochs,
    bestEpoch: m.bestEpoch,
    validR20: m.validMetrics['recall@20']!,
    r20: m.metrics['recall@20']!,
    n20: m.metrics['ndcg@20']!,
  };
  writeFileSync(out, JSON.stringify(res));
}

function spawnChild(a: ChildArgs, tag: string): ChildResult {
  const out = join(tmpdir(), `fusionrec-vbpr-${process.pid}-${tag}.json`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/vbpr.ts', '--child', JSON.stringify(a), '--out', out],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CI: '1' } },
  );
  if (r.status !== 0) throw new Error(`vbpr run ${tag} failed with status ${r.status}`);
  return JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
}

async function main(): Promise<void> {
  const arg = argValue;
  if (process.argv.includes('--child')) {
    await child(JSON.parse(arg('child', '{}')) as ChildArgs, arg('out', ''));
    return;
  }
  if (!hasDataset(join(...FEATURES, FILES.audio))) {
    console.log(`skipped: ${datasetPath(...FEATURES)} is absent`);
    return;
  }
  const groups = new Set(arg('groups', 'speed,accuracy').split(','));
  const epochs = Number(arg('epochs', '10'));
  const rounds = Number(arg('rounds', '3'));
  // Groups not run this time keep their last results.
  const file = 'bench/results/vbpr.json';
  const previous = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const result: Record<string, unknown> = {
    ...previous,
    date: new Date().toISOString(),
    node: process.version,
    mmrec: MMREC,
  };
  if (groups.has('speed')) {
    const times = BACKENDS.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      BACKENDS.forEach((b, k) => {
        const res = spawnChild({ params: b.params, seed: 42, maxEpochs: epochs }, `speed-${r}-${k}`);
        times[k]!.push(res.sPerEpoch);
        console.log(`round ${r + 1}: ${b.label}: ${res.sPerEpoch.toFixed(3)} s/epoch`);
      });
    }
    const rows = BACKENDS.map((b, k) => ({
      backend: b.label,
      params: b.params,
      perRound: times[k]!,
      median: median(times[k]!),
    }));
    const base = rows[rows.length - 1]!.median;
    console.log(
      textTable(
        ['backend', 's/epoch per round', 'median s/epoch', 'MMRec s/epoch', 'vs MMRec', 'vs wasm'],
        rows.map((r) => [
          r.backend,
          r.perRound.map((x) => x.toFixed(3)).join(' '),
          r.median.toFixed(3),
          MMREC.sPerEpoch.toFixed(2),
          `${(MMREC.sPerEpoch / r.median).toFixed(2)}x faster`,
          `${(base / r.median).toFixed(2)}x`,
        ]),
      ),
    );
    result.speed = { date: new Date().toISOString(), epochs, rounds, rows };
  }
  if (groups.has('accuracy')) {
    const perSeed = SEEDS.map((seed) => {
      const res = spawnChild({ params: {}, seed }, `acc-${seed}`);
      console.log(
        `seed ${seed}: valid R@20 ${res.validR20.toFixed(4)} test R@20 ${res.r20.toFixed(4)} ` +
          `N@20 ${res.n20.toFixed(4)}, best ${res.bestEpoch}/${res.epochs}, ${res.sPerEpoch.toFixed(3)} s/epoch`,
      );
      return { seed, ...res };
    });
    const row = {
      validR20: mean(perSeed.map((r) => r.validR20)),
      r20: mean(perSeed.map((r) => r.r20)),
      n20: mean(perSeed.map((r) => r.n20)),
      sPerEpoch: mean(perSeed.map((r) => r.sPerEpoch)),
    };
    console.log(
      textTable(
        [
          'model',
          'valid R@20',
          'test R@20',
          'per seed',
          'N@20',
          'MMRec R@20 / N@20',
          'vs MMRec R@20',
          's/epoch',
        ],
        [
          [
            'vbpr (MMRec settings)',
            row.validR20.toFixed(4),
            row.r20.toFixed(4),
            perSeed.map((r) => r.r20.toFixed(4)).join(' '),
            row.n20.toFixed(4),
            `${MMREC.r20} / ${MMREC.n20}`,
            `${(((row.r20 - MMREC.r20) / MMREC.r20) * 100).toFixed(1)}%`,
            row.sPerEpoch.toFixed(3),
          ],
        ],
      ),
    );
    result.accuracy = { date: new Date().toISOString(), seeds: SEEDS, perSeed, ...row };
  }
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${file}`);
}

await main();
