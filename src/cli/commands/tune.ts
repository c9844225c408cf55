/**
 * @module cli/commands/tune
 * `fusionrec tune`: hyper-parameter search on the validation split, a table of trials sorted by
 * the validation metric with the best marked, then the chosen configuration's test line.
 * `--search halving --budget <s>` runs the budgeted successive halving of experiment/autotune over
 * the model's default space (or `--space`); `--seeds 1,2,3` evaluates the chosen setting on test
 * once per seed (same split) and prints mean ± std with the 95% interval.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../../errors.js';
import { type AutoTuneResult, autoTune } from '../../experiment/autotune.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import { formatLearned, textTable } from '../../experiment/report.js';
import { parseSeeds } from '../../experiment/seed-stats.js';
import {
  parseSearchSpace,
  type SearchSpace,
  type SeedTestResult,
  type TuneResult,
  testOverSeeds,
  tune,
} from '../../experiment/tune.js';
import { progressEnabled } from '../../util/progress.js';
import { parseParams } from '../params.js';

interface Flags {
  dataset: string;
  model: string;
  space?: string;
  search: string;
  budget?: string;
  params: string[];
  seeds?: string;
  trials?: string;
  seed?: string;
  split?: string;
  folds?: string;
  metric?: string;
  json?: string;
  patience?: string;
  maxEpochs?: string;
  maxGrid?: string;
  workers?: string;
  modality: string[];
  positive?: string;
  test: boolean;
}

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`--${name} expects an integer, got "${v}"`);
  return n;
};

/** Reads `--space`: inline JSON when it starts with "{", else a JSON file. */
export async function readSpace(arg: string): Promise<SearchSpace> {
  const inline = arg.trimStart().startsWith('{');
  let text = arg;
  if (!inline) {
    try {
      text = await readFile(arg, 'utf8');
    } catch (err) {
      throw new NotFoundError(`--space: ${arg} is neither inline JSON nor a readable file`, { cause: err });
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError({ file: inline ? '--space' : arg, line: 0 }, 'expected a JSON search space', {
      cause: err,
    });
  }
  return parseSearchSpace(raw);
}

const fmt = (v: number | undefined, digits = 4): string =>
  v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);

/** `k=20 shrink=10` */
export function formatParams(p: Record<string, unknown>): string {
  const value = (v: unknown): string =>
    typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : JSON.stringify(v);
  return Object.entries(p)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
}

/** The trials table (sorted by the metric, best marked) and, separately, the test line. */
export function formatTune(r: TuneResult): string {
  const d = r.dataset;
  const how = r.folds ? `${r.folds}-fold cross-validation on the non-test data` : 'validation split';
  const title =
    `tune ${r.model} on ${d.name} (${d.split}; seed ${r.seed}): ${r.search} search, ${r.trials.length} trials, ` +
    `chosen by ${r.metric} on the ${how}`;
  const other = r.metric === 'ndcg@20' ? 'recall@20' : 'ndcg@20';
  const cols = r.metric === 'recall@20' ? ['recall@20', 'ndcg@20'] : [r.metric, other];
  const header = ['', 'trial', 'params', ...cols.map((c) => `valid ${c}`), 'best epoch', 'seconds'];
  const sorted = [...r.trials].sort((a, b) => b.score - a.score || a.index - b.index);
  const rows = sorted.map((t) => [
    t.index === r.best.index ? '*' : '',
    String(t.index),
    formatParams(t.params),
    ...cols.map((c) => fmt(t.valid[c])),
    `${t.bestEpoch}/${t.epochs}`,
    fmt(t.seconds, 2),
  ]);
  const parts = [title, '', textTable(header, rows), '', `best (*): ${formatParams(r.best.params)}`];
  if (r.test) {
    const m = r.test.metrics;
    const keys = ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20', 'precision@20', 'map@20'];
    parts.push(
      '',
      `TEST (chosen configuration, one final run after the search; ${d.testUsers} users):`,
      textTable(
        ['model', ...keys, 'best epoch'],
        [[r.model, ...keys.map((k) => fmt(m[k])), `${r.test.bestEpoch}/${r.test.epochs}`]],
      ),
    );
    if (r.test.learned) parts.push(`learned by the chosen configuration: ${formatLearned(r.test.learned)}`);
  } else {
    parts.push('', 'test split not evaluated (--no-test)');
  }
  return parts.join('\n');
}

/** The halving search: its rungs, the final rung, the chosen setting and the budget used. */
export function formatAutoTune(r: AutoTuneResult, datasetName: string): string {
  const title =
    `tune ${r.model} on ${datasetName} (seed ${r.seed}): ${r.search === 'grid' ? 'grid' : 'successive halving'} ` +
    `within ${r.budgetSeconds} s (used ${r.usedSeconds.toFixed(1)} s), ${r.configs} configurations, ` +
    `${r.trials.length} runs, chosen by ${r.metric} on the validation split`;
  const rows = r.rungs.map((g) => {
    const runs = r.trials.filter((t) => t.stage === g.stage && t.bracket === g.bracket && t.rung === g.rung);
    const best = runs.reduce<number | undefined>(
      (b, t) => (b === undefined || t.score > b ? t.score : b),
      undefined,
    );
    return [
      g.stage,
      g.stage === 'halving' ? String(g.bracket) : '',
      g.stage === 'halving' ? String(g.rung) : '',
      String(g.maxEpochs),
      `${g.ran}/${g.configs.length}`,
      fmt(best),
      fmt(g.seconds, 1),
    ];
  });
  const rungTable = textTable(
    ['stage', 'bracket', 'rung', 'max epochs', 'ran', `best ${r.metric}`, 'seconds'],
    rows,
  );
  const last = r.rungs.at(-1)!;
  const finals = r.trials.filter(
    (t) => t.stage === last.stage && t.rung === last.rung && t.bracket === last.bracket,
  );
  const finalTable = textTable(
    ['', 'config', 'params', `valid ${r.metric}`, 'best epoch', 'seconds'],
    [...finals]
      .sort((a, b) => b.score - a.score || a.config - b.config)
      .map((t) => [
        t.params === r.params && t.score === r.score ? '*' : '',
        t.config === 0 ? '0 (defaults)' : String(t.config),
        formatParams(t.params) || '(defaults)',
        fmt(t.score),
        `${t.bestEpoch}/${t.epochs}${t.cut ? ' cut' : ''}`,
        fmt(t.seconds, 1),
      ]),
  );
  const chosen = `chosen (*): ${formatParams(r.params) || '(the defaults)'}; valid ${r.metric} ${fmt(r.score)} (defaults ${fmt(r.defaultsScore)})`;
  return [
    title,
    '',
    rungTable,
    '',
    `${last.stage === 'grid' ? 'grid' : 'final rung'}:`,
    finalTable,
    '',
    chosen,
  ].join('\n');
}

/** Test over seeds: one line per seed, then mean ± std and the 95% interval. */
export function formatSeedTest(r: SeedTestResult, model: string): string {
  const keys = ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20'].filter((k) => r.summary[k]);
  const rows = r.runs.map((x) => [
    `seed ${x.seed}`,
    ...keys.map((k) => fmt(x.metrics[k])),
    String(x.bestEpoch),
  ]);
  rows.push(['mean ± std', ...keys.map((k) => `${fmt(r.summary[k]!.mean)} ± ${fmt(r.summary[k]!.std)}`), '']);
  rows.push([
    '95% interval',
    ...keys.map((k) => `${fmt(r.summary[k]!.ciLow)}–${fmt(r.summary[k]!.ciHigh)}`),
    '',
  ]);
  return [
    `TEST of the chosen ${model} setting over ${r.seeds.length} seed(s) (the tuning split; one test evaluation per seed, after the choice):`,
    textTable(['run', ...keys, 'best epoch'], rows),
  ].join('\n');
}

/** Adds the `tune` command to `program`. */
export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('hyper-parameter search on validation; then evaluate the chosen configuration once on test')
    .requiredOption('-d, --dataset <spec>', 'dataset spec (as in `fusionrec experiment`)')
    .requiredOption('-m, --model <name>', 'model to tune')
    .option(
      '-s, --space <json|file>',
      'search space, inline JSON or a JSON file: {"k": [20, 50], "lr": {"log": [1e-4, 1e-2]}, "dim": {"int": [16, 128]}} (required for grid and random; halving defaults to the model\'s space)',
    )
    .option('--search <kind>', 'grid | random | halving (budgeted successive halving)', 'grid')
    .option('--budget <seconds>', 'halving: wall-clock budget of the search in seconds (default 300)')
    .option(
      '-p, --params <json|k=v>',
      'halving: parameters fixed in every configuration (not searched); repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      '--seeds <list>',
      'after the choice, evaluate it on test once per seed (e.g. 1,2,3 or 1-5): mean ± std',
    )
    .option('--trials <n>', 'random: number of draws (default 10); grid: run a seeded subset of n points')
    .option('--seed <n>', 'seed of the draws, split and models (default 42)')
    .option('--split <spec>', 'split spec (default: the split the dataset carries, else random:0.8,0.1,0.1)')
    .option('--folds <k>', 'score each trial by k-fold cross-validation of the non-test data')
    .option('--metric <key>', 'validation metric to maximise (default recall@20)')
    .option('--json <out>', 'write the search result as JSON to this file')
    .option('--patience <n>', 'early-stopping patience in epochs (default 20)')
    .option('--max-epochs <n>', 'upper bound on epochs (default 1000)')
    .option('--max-grid <n>', 'largest grid run without --trials (default 256)')
    .option('--workers <n>', 'evaluation worker threads (default: all cores)')
    .option(
      '--modality <name=file.npy>',
      'attach a precomputed modality (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--positive <rules>', 'positive feedback rules, comma-separated')
    .option('--no-test', 'do not evaluate the chosen configuration on test')
    .action(async (flags: Flags) => {
      const search = flags.search;
      if (search !== 'grid' && search !== 'random' && search !== 'halving') {
        throw new InvalidArgumentError(`--search must be grid, random or halving, got "${search}"`);
      }
      if (!flags.space && search !== 'halving') {
        throw new InvalidArgumentError(
          `--search ${search} needs --space (halving defaults to the model's space)`,
        );
      }
      const space = flags.space ? await readSpace(flags.space) : undefined;
      const budget = flags.budget === undefined ? 300 : Number(flags.budget);
      if (!(Number.isFinite(budget) && budget > 0)) {
        throw new InvalidArgumentError(`--budget expects a number of seconds > 0, got "${flags.budget}"`);
      }
      const seeds = flags.seeds ? parseSeeds(flags.seeds) : undefined;
      const fixed = parseParams(flags.params);
      const modalities: Record<string, string> = {};
      for (const m of flags.modality) {
        const eq = m.indexOf('=');
        if (eq <= 0) throw new InvalidArgumentError(`--modality expects name=file.npy, got "${m}"`);
        modalities[m.slice(0, eq)] = m.slice(eq + 1);
      }
      const ds = await loadDataset(flags.dataset, {
        modalities,
        ...(flags.positive ? { positive: flags.positive.split(',') } : {}),
      });
      const opt = (name: string, v: number | undefined) => (v === undefined ? {} : { [name]: v });
      const verbose = progressEnabled();
      const seed = int('seed', flags.seed) ?? 42;
      const patience = int('patience', flags.patience);
      const maxEpochs = int('max-epochs', flags.maxEpochs);
      const workers = int('workers', flags.workers);
      const shared = {
        seed,
        ...opt('patience', patience),
        ...opt('maxEpochs', maxEpochs),
        ...opt('workers', workers),
        ...(flags.split ? { split: flags.split } : {}),
        ...(flags.metric ? { metric: flags.metric } : {}),
      };
      let chosen: Record<string, unknown>;
      let json: Record<string, unknown>;
      if (search === 'halving') {
        if (flags.folds) throw new InvalidArgumentError('--folds is not available with --search halving');
        const result = await autoTune(ds, {
          model: flags.model,
          budgetSeconds: budget,
          params: fixed,
          ...(space ? { space } : {}),
          ...shared,
          onTrial: (t, done, total) => {
            if (verbose) {
              process.stderr.write(
                `run ${done}/~${total} ${t.stage} ${t.stage === 'halving' ? `b${t.bracket} r${t.rung} ` : ''}` +
                  `${formatParams(t.params) || '(defaults)'}: ${fmt(t.score)} after ${t.epochs} epochs (${t.seconds.toFixed(1)} s)\n`,
              );
            }
          },
        });
        process.stdout.write(`${formatAutoTune(result, ds.name)}\n`);
        chosen = result.params;
        json = { search: result };
      } else {
        if (Object.keys(fixed).length > 0) {
          throw new InvalidArgumentError(
            '--params is for --search halving; put fixed values in --space as one-value lists',
          );
        }
        const result = await tune(ds, {
          model: flags.model,
          space: space!,
          search,
          ...shared,
          ...opt('trials', int('trials', flags.trials)),
          ...opt('folds', int('folds', flags.folds)),
          ...opt('maxGrid', int('max-grid', flags.maxGrid)),
          evaluateTest: flags.test && !seeds,
          onTrial: (t, done, total) => {
            if (verbose) {
              process.stderr.write(
                `trial ${done}/${total} ${formatParams(t.params)}: ${fmt(t.score)} (${t.seconds.toFixed(1)} s)\n`,
              );
            }
          },
        });
        const text = formatTune(result);
        // With --seeds the test lines come from the per-seed runs below.
        process.stdout.write(
          `${seeds && flags.test ? text.replace(/\n\ntest split not evaluated \(--no-test\)$/, '') : text}\n`,
        );
        chosen = result.best.params;
        json = { ...result };
      }
      const testSeeds = seeds ?? (search === 'halving' ? [seed] : undefined);
      if (flags.test && testSeeds) {
        const r = await testOverSeeds(ds, {
          model: flags.model,
          params: chosen,
          seeds: testSeeds,
          splitSeed: seed,
          ...(flags.split ? { split: flags.split } : {}),
          ...opt('patience', patience),
          ...opt('maxEpochs', maxEpochs),
          ...opt('workers', workers),
          ...(flags.metric ? { metric: flags.metric } : {}),
        });
        process.stdout.write(`\n${formatSeedTest(r, flags.model)}\n`);
        json.seedTest = r;
      } else if (!flags.test && search === 'halving') {
        process.stdout.write('\ntest split not evaluated (--no-test)\n');
      }
      if (flags.json) {
        await writeFile(flags.json, `${JSON.stringify(json, null, 2)}\n`);
        process.stdout.write(`results written to ${flags.json}\n`);
      }
    });
}
