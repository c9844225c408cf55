/**
 * MMRec parity over seeds (issue 18): our BPR, LightGCN, VBPR and FREEDOM on Last.fm-2k run as
 * ../shared/data/mmrec-reference/README.md describes MMRec's reference runs — `lfm2k.inter` with
 * its x_label split, MMRec's defaults (embedding 64, batch 2048, Adam 1e-3, one negative, early
 * stopping after 20 epochs without a better valid Recall@20, at most 1000 epochs, test at the
 * best-validation epoch, training items masked), BPR / VBPR reg 1e-4, LightGCN 3 layers reg 1e-4,
 * FREEDOM dropout 0.8 reg 1e-4 (knn_k 10, text graph weight 0.9, 2 UI layers), and for VBPR and
 * FREEDOM MMRec's `t_feat` = all-MiniLM-L6-v2.npy and `v_feat` = whisper.npy, as given (VBPR with
 * normalize 'none', MMRec's raw concatenation text then audio). Prints per-seed and mean ± std
 * test Recall@20 / NDCG@20 next to MMRec's per-seed figures
 * (mmrec-reference/mmrec-lastfm-2k.csv) and the ratio of the means. Group `baby` adds BPR and
 * LightGCN on Amazon Baby (MMRec JSON split) at seed 999 only (Baby is ~10x larger; MMRec at its
 * seed 999: BPR 0.0553, LightGCN 0.0776). Each run is a child process; `--parallel n` runs n at
 * once. Every run's result is kept in $TMPDIR/fusionrec-parity/; `--resume` reuses those instead of
 * running them again (to finish a run that was cut short, or to add Baby to the table later);
 * `--cached-only` reports the kept runs and runs nothing.
 *
 *   node --import tsx bench/parity.ts [--groups lfm2k,baby] [--models bpr,lightgcn,vbpr,freedom]
 *                                     [--seeds 999,42,1,2,3] [--parallel 1] [--resume | --cached-only]
 *
 * Writes bench/results/parity.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { runExperiment } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';
import { datasetPath, hasDataset } from '../src/io/data-root.js';
import { argValue, mean } from './args.js';

/** Our model name -> MMRec's name in the reference CSV. */
const MMREC_NAME: Record<string, string> = {
  bpr: 'BPR',
  lightgcn: 'LightGCN',
  vbpr: 'VBPR',
  freedom: 'FREEDOM',
};

/** MMRec's settings of the reference runs, in our parameter names. */
const PARAMS: Record<string, Record<string, unknown>> = {
  bpr: { reg: 1e-4 },
  lightgcn: { layers: 3, reg: 1e-4 },
  vbpr: { reg: 1e-4, normalize: 'none' },
  freedom: { dropout: 0.8, reg: 1e-4, knnK: 10, mmLayers: 1, uiLayers: 2, weights: 'text=0.9,audio=0.1' },
};

/** MMRec at seed 999 on Baby (the figures; its published table: 0.0575, 0.0754). */
const BABY_MMREC: Record<string, { r20: number }> = { bpr: { r20: 0.0553 }, lightgcn: { r20: 0.0776 } };

const FEATURES = ['lastfm-2k-mm', 'features'];
const TEXT = 'all-MiniLM-L6-v2.npy';
const AUDIO = 'whisper.npy';
const REFERENCE = ['mmrec-reference', 'mmrec-lastfm-2k.csv'];

interface Job {
  data: 'lfm2k' | 'baby';
  model: string;
  seed: number;
}

interface SeedResult extends Job {
  validR20: number;
  r20: number;
  n20: number;
  sPerEpoch: number;
  bestEpoch: number;
  epochs: number;
  wallSeconds: number;
}

async function child(job: Job, out: string): Promise<void> {
  const t0 = performance.now();
  const content = job.model === 'vbpr' || job.model === 'freedom';
  // Text first, then audio: MMRec's VBPR concatenates (t_feat, v_feat).
  const modalities = content
    ? { text: datasetPath(...FEATURES, TEXT), audio: datasetPath(...FEATURES, AUDIO) }
    : undefined;
  const ds = await loadDataset(`shared:${job.data}`, modalities ? { modalities } : {});
  const r = await runExperiment(ds, {
    models: [{ name: job.model, params: PARAMS[job.model] ?? {} }],
    seed: job.seed,
    patience: 20,
    maxEpochs: 1000,
  });
  const m = r.results[0]!;
  const res: SeedResult = {
    ...job,
    validR20: m.validMetrics['recall@20']!,
    r20: m.metrics['recall@20']!,
    n20: m.metrics['ndcg@20']!,
    sPerEpoch: m.trainSecondsPerEpoch,
    bestEpoch: m.bestEpoch,
    epochs: m.epochs,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(out, JSON.stringify(res));
}

/** Where a job's result is kept (so that `--resume` can skip it in a later invocation). */
const resultFile = (job: Job): string =>
  join(tmpdir(), 'fusionrec-parity', `${job.data}-${job.model}-${job.seed}.json`);

function runChild(job: Job, resume: boolean): Promise<SeedResult> {
  const out = resultFile(job);
  if (resume && existsSync(out)) return Promise.resolve(JSON.parse(readFileSync(out, 'utf8')) as SeedResult);
  mkdirSync(dirname(out), { recursive: true });
  const args = ['--import', 'tsx', 'bench/parity.ts', '--child', '--job', JSON.stringify(job), '--out', out];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CI: '1' },
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`run ${job.data}/${job.model}/seed ${job.seed} failed with status ${code}`));
        return;
      }
      resolve(JSON.parse(readFileSync(out, 'utf8')) as SeedResult);
    });
  });
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

interface Reference {
  seeds: number[];
  r20: number[];
  n20: number[];
}

/** MMRec's per-seed test Recall@20 / NDCG@20 per model from the reference CSV. */
function readReference(): Record<string, Reference> {
  const lines = readFileSync(datasetPath(...REFERENCE), 'utf8')
    .trim()
    .split('\n');
  const head = lines[0]!.split(',');
  const col = (name: string) => head.indexOf(name);
  const out: Record<string, Reference> = {};
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const model = f[col('model')]!;
    out[model] ??= { seeds: [], r20: [], n20: [] };
    const ref = out[model]!;
    ref.seeds.push(Number(f[col('seed')]));
    ref.r20.push(Number(f[col('test_recall@20')]));
    ref.n20.push(Number(f[col('test_ndcg@20')]));
  }
  return out;
}

const pm = (xs: readonly number[]) => `${mean(xs).toFixed(4)} ± ${std(xs).toFixed(4)}`;

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    await child(JSON.parse(argValue('job', '{}')) as Job, argValue('out', ''));
    return;
  }
  if (!hasDataset(join(...FEATURES, AUDIO)) || !hasDataset(join(...REFERENCE))) {
    console.log(`skipped: ${datasetPath(...FEATURES)} or ${datasetPath(...REFERENCE)} is absent`);
    return;
  }
  const groups = argValue('groups', 'lfm2k,baby').split(',');
  const models = argValue('models', 'bpr,lightgcn,vbpr,freedom').split(',');
  const seeds = argValue('seeds', '999,42,1,2,3').split(',').map(Number);
  const parallel = Math.max(1, Number(argValue('parallel', '1')));
  // --cached-only: report the runs already kept (a measurement cut short), run nothing.
  const cachedOnly = process.argv.includes('--cached-only');
  const resume = cachedOnly || process.argv.includes('--resume');
  const jobs: Job[] = [];
  // Seed by seed, so that a run cut short still has every model at its first seeds.
  if (groups.includes('lfm2k')) {
    for (const seed of seeds) for (const model of models) jobs.push({ data: 'lfm2k', model, seed });
  }
  if (groups.includes('baby') && hasDataset('amazon-baby-mmrec')) {
    for (const model of models.filter((m) => m in BABY_MMREC)) jobs.push({ data: 'baby', model, seed: 999 });
  }
  if (cachedOnly) {
    const kept = jobs.filter((j) => existsSync(resultFile(j)));
    jobs.splice(0, jobs.length, ...kept);
  }
  const t0 = performance.now();
  const results: SeedResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const res = await runChild(jobs[next++]!, resume);
      results.push(res);
      console.log(
        `${res.data} ${res.model} seed ${res.seed}: R@20 ${res.r20.toFixed(4)} N@20 ${res.n20.toFixed(4)} ` +
          `valid ${res.validR20.toFixed(4)}, best ${res.bestEpoch}/${res.epochs}, ` +
          `${res.sPerEpoch.toFixed(3)} s/epoch, ${res.wallSeconds.toFixed(0)} s`,
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const wallSeconds = (performance.now() - t0) / 1000;
  const order = (r: SeedResult) =>
    jobs.findIndex((j) => j.data === r.data && j.model === r.model && j.seed === r.seed);
  results.sort((a, b) => order(a) - order(b));

  const reference = readReference();
  const summary: Record<string, unknown>[] = [];
  const rows: string[][] = [];
  for (const data of ['lfm2k', 'baby'] as const) {
    for (const model of models) {
      const mine = results.filter((r) => r.data === data && r.model === model);
      if (mine.length === 0) continue;
      const r20 = mine.map((r) => r.r20);
      const n20 = mine.map((r) => r.n20);
      const ref = data === 'lfm2k' ? reference[MMREC_NAME[model]!] : undefined;
      const refR20 = ref ? mean(ref.r20) : BABY_MMREC[model]?.r20;
      const ratio = refR20 ? mean(r20) / refR20 : undefined;
      // Our mean over the seeds MMRec's reference also has (a like-for-like subset).
      const common = ref ? mine.filter((r) => ref.seeds.includes(r.seed)).map((r) => r.r20) : [];
      rows.push([
        data,
        model,
        mine.map((r) => `${r.seed}:${r.r20.toFixed(4)}`).join(' '),
        pm(r20),
        pm(n20),
        ref
          ? ref.r20.map((x, k) => `${ref.seeds[k]}:${x.toFixed(4)}`).join(' ')
          : refR20
            ? `999:${refR20}`
            : '-',
        ref ? pm(ref.r20) : refR20 ? refR20.toFixed(4) : '-',
        ref ? pm(ref.n20) : '-',
        ratio ? ratio.toFixed(3) : '-',
        ratio ? (Math.abs(ratio - 1) <= 0.02 ? 'yes' : 'no') : '-',
        common.length > 0 && ref ? (mean(common) / mean(ref.r20)).toFixed(3) : '-',
        mean(mine.map((r) => r.sPerEpoch)).toFixed(3),
      ]);
      summary.push({
        data,
        model,
        params: PARAMS[model],
        seeds: mine.map((r) => r.seed),
        r20Mean: mean(r20),
        r20Std: std(r20),
        n20Mean: mean(n20),
        n20Std: std(n20),
        mmrec: ref
          ? {
              seeds: ref.seeds,
              r20Mean: mean(ref.r20),
              r20Std: std(ref.r20),
              n20Mean: mean(ref.n20),
              n20Std: std(ref.n20),
            }
          : refR20
            ? { seeds: [999], r20Mean: refR20 }
            : undefined,
        ratioR20: ratio,
        within2pct: ratio === undefined ? undefined : Math.abs(ratio - 1) <= 0.02,
        ratioR20SameSeeds: common.length > 0 && ref ? mean(common) / mean(ref.r20) : undefined,
      });
    }
  }
  console.log(
    textTable(
      [
        'data',
        'model',
        'ours R@20 per seed',
        'ours R@20 mean ± std',
        'ours N@20 mean ± std',
        'MMRec R@20 per seed',
        'MMRec R@20 mean ± std',
        'MMRec N@20 mean ± std',
        'R@20 ratio',
        'within 2%',
        'ratio, same seeds',
        's/epoch',
      ],
      rows,
    ),
  );
  console.log(`wall time ${(wallSeconds / 60).toFixed(1)} min, ${parallel} run(s) at once`);
  writeFileSync(
    'bench/results/parity.json',
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        parallel,
        wallSeconds,
        summary,
        runs: results,
      },
      null,
      2,
    )}\n`,
  );
  console.log('written bench/results/parity.json');
}

await main();
