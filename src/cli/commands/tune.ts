/**
 * @module cli/commands/tune
 * `fusionrec tune`: hyper-parameter search on the validation split, a table of trials sorted by
 * the validation metric with the best marked, then the chosen configuration's test line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../../errors.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import { formatLearned, textTable } from '../../experiment/report.js';
import { parseSearchSpace, type SearchSpace, type TuneResult, tune } from '../../experiment/tune.js';
import { progressEnabled } from '../../util/progress.js';

interface Flags {
  dataset: string;
  model: string;
  space: string;
  search: string;
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

/** Adds the `tune` command to `program`. */
export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('hyper-parameter search on validation; then evaluate the chosen configuration once on test')
    .requiredOption('-d, --dataset <spec>', 'dataset spec (as in `fusionrec experiment`)')
    .requiredOption('-m, --model <name>', 'model to tune')
    .requiredOption(
      '-s, --space <json|file>',
      'search space, inline JSON or a JSON file: {"k": [20, 50], "lr": {"log": [1e-4, 1e-2]}, "dim": {"int": [16, 128]}}',
    )
    .option('--search <kind>', 'grid | random', 'grid')
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
      if (flags.search !== 'grid' && flags.search !== 'random') {
        throw new InvalidArgumentError(`--search must be grid or random, got "${flags.search}"`);
      }
      const space = await readSpace(flags.space);
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
      const result = await tune(ds, {
        model: flags.model,
        space,
        search: flags.search,
        ...opt('trials', int('trials', flags.trials)),
        ...opt('seed', int('seed', flags.seed)),
        ...opt('folds', int('folds', flags.folds)),
        ...opt('patience', int('patience', flags.patience)),
        ...opt('maxEpochs', int('max-epochs', flags.maxEpochs)),
        ...opt('maxGrid', int('max-grid', flags.maxGrid)),
        ...opt('workers', int('workers', flags.workers)),
        ...(flags.split ? { split: flags.split } : {}),
        ...(flags.metric ? { metric: flags.metric } : {}),
        evaluateTest: flags.test,
        onTrial: (t, done, total) => {
          if (verbose) {
            process.stderr.write(
              `trial ${done}/${total} ${formatParams(t.params)}: ${fmt(t.score)} (${t.seconds.toFixed(1)} s)\n`,
            );
          }
        },
      });
      process.stdout.write(`${formatTune(result)}\n`);
      if (flags.json) {
        await writeFile(flags.json, `${JSON.stringify(result, null, 2)}\n`);
        process.stdout.write(`results written to ${flags.json}\n`);
      }
    });
}
