/**
 * @module cli/commands/experiment
 * `fusionrec experiment`: load a dataset spec, run the experiment, print the table, write JSON.
 */

import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError, InvalidInputError } from '../../errors.js';
import { ablationPlan } from '../../experiment/ablation.js';
import { autoTune } from '../../experiment/autotune.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import {
  type ExperimentOptions,
  type ModelSpec,
  resultToJson,
  runExperiment,
} from '../../experiment/experiment.js';
import { formatExperiment } from '../../experiment/report.js';
import { formatSeedExperiment } from '../../experiment/seed-report.js';
import { parseSeeds } from '../../experiment/seed-stats.js';
import { runExperimentSeeds, seedResultToJson } from '../../experiment/seeds.js';
import { type Progress, progress } from '../../util/progress.js';
import { parseParamsList } from '../params.js';

/** The JSON config file `--config` takes; every key is optional and CLI flags win. */
export interface ExperimentFileConfig {
  dataset?: string;
  models?: (string | ModelSpec)[];
  seed?: number;
  /** Repeat every model over these seeds and report mean ± std. */
  seeds?: number[];
  split?: string;
  patience?: number;
  maxEpochs?: number;
  positive?: string[];
  kcore?: { userK: number; itemK: number };
  modalities?: Record<string, string>;
  maskValid?: boolean;
  coldCandidates?: boolean;
  workers?: number;
}

interface Flags {
  dataset?: string;
  models?: string;
  params?: string;
  config?: string;
  seed?: string;
  seeds?: string;
  tuneBudget?: string;
  itemGroups?: string;
  json?: string;
  split?: string;
  modality: string[];
  patience?: string;
  maxEpochs?: string;
  positive?: string;
  kcore?: string;
  maskValid?: boolean;
  workers?: string;
  verbose?: boolean;
  ablation?: boolean;
  coldCandidates?: boolean;
}

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`--${name} expects an integer, got "${v}"`);
  return n;
};

async function readConfig(file: string): Promise<ExperimentFileConfig> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as ExperimentFileConfig;
  } catch (err) {
    throw new InvalidInputError({ file, line: 0 }, 'expected a JSON experiment config', { cause: err });
  }
}

function parseModelList(text: string): ModelSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => ({ name }));
}

/**
 * Applies `--params` to the models of `--models`: one JSON object (or `k=v` pairs, see cli/params)
 * for every model, or a JSON array with one object per model (in order). Models listed more than
 * once get their parameters in their label, so the results table tells them apart.
 */
export function applyParams(models: ModelSpec[], text: string): ModelSpec[] {
  const list = parseParamsList(text, models.length);
  const count = new Map<string, number>();
  for (const m of models) count.set(m.name, (count.get(m.name) ?? 0) + 1);
  return models.map((m, k) => {
    const params = { ...m.params, ...(list.length === 1 ? list[0] : list[k]) } as Record<string, unknown>;
    const label = count.get(m.name)! > 1 ? `${m.name} ${JSON.stringify(params)}` : m.label;
    return { ...m, params, ...(label ? { label } : {}) };
  });
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('train and evaluate models on a dataset with early stopping; print the results table')
    .option(
      '-d, --dataset <spec>',
      'dataset spec: mmrec:<file.inter> | mmrec-json:<dir> | movielens:<dir> | catalog:<dir> | demo | shared:<name>',
    )
    .option('-m, --models <list>', 'comma-separated model names (default: popularity)')
    .option(
      '-p, --params <json|k=v>',
      'model parameters for --models: a JSON object (or k=v pairs) for all of them, or a JSON array of one object per model',
    )
    .option('-c, --config <file>', 'JSON config (dataset, models with params, split, …)')
    .option('--seed <n>', 'random seed (default 42)')
    .option(
      '--seeds <list>',
      'repeat every model over these seeds (e.g. 1,2,3,4,5 or 1-5): mean ± std, 95% interval, paired tests over seeds and users',
    )
    .option(
      '--tune-budget <seconds>',
      'first tune every model on validation only (successive halving from its default space, the shipped defaults always a candidate) within this many seconds each, then run it with the chosen setting',
    )
    .option(
      '--item-groups <attributes>',
      'item attributes (comma-separated, e.g. brand,label) whose groups get exposure-against-relevance figures in the report (provider fairness)',
    )
    .option('--json <out>', 'write the results as JSON to this file')
    .option(
      '--split <spec>',
      'split: predefined | random:0.8,0.1,0.1 | temporal-user:… | leave-last-out | temporal-global:… | cold-start:… ',
    )
    .option(
      '--modality <name=file.npy>',
      'attach a precomputed modality (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--patience <n>', 'early-stopping patience in epochs (default 20)')
    .option('--max-epochs <n>', 'upper bound on epochs (default 1000)')
    .option('--positive <rules>', 'positive feedback rules, comma-separated (e.g. click,purchase,rating>=4)')
    .option('--kcore <u,i>', 'iterative k-core filter: min interactions per user,item')
    .option('--mask-valid', 'mask validation items when ranking for test (MMRec does not)')
    .option(
      '--cold-candidates',
      'on a cold-start split, rank only the held-out cold items (the cold-start protocol)',
    )
    .option('--workers <n>', 'evaluation worker threads (default: all cores)')
    .option('-v, --verbose', 'log every epoch (loss, validation metric, seconds) to stderr')
    .option(
      '--ablation',
      'expand the first model into an ablation: every modality subset and (fusion) every fusion strategy, compared with the full model',
    )
    .action(async (flags: Flags) => {
      const cfg = flags.config ? await readConfig(flags.config) : {};
      const dataset = flags.dataset ?? cfg.dataset;
      if (!dataset) throw new InvalidArgumentError('--dataset is required (or "dataset" in --config)');
      const modalities = { ...(cfg.modalities ?? {}) };
      for (const m of flags.modality) {
        const eq = m.indexOf('=');
        if (eq <= 0) throw new InvalidArgumentError(`--modality expects name=file.npy, got "${m}"`);
        modalities[m.slice(0, eq)] = m.slice(eq + 1);
      }
      let kcore = cfg.kcore;
      if (flags.kcore) {
        const [u, i] = flags.kcore.split(',').map(Number);
        if (!Number.isInteger(u) || !Number.isInteger(i))
          throw new InvalidArgumentError(`--kcore expects u,i integers, got "${flags.kcore}"`);
        kcore = { userK: u!, itemK: i! };
      }
      const positive = flags.positive ? flags.positive.split(',') : cfg.positive;
      const ds = await loadDataset(dataset, {
        modalities,
        ...(positive ? { positive } : {}),
        ...(kcore ? { kcore } : {}),
      });
      let models = flags.models
        ? parseModelList(flags.models)
        : (cfg.models ?? ['popularity']).map((m) => (typeof m === 'string' ? { name: m } : m));
      if (flags.params !== undefined) models = applyParams(models, flags.params);
      if (flags.ablation) {
        models = [
          ...ablationPlan(
            models[0]!,
            ds.modalities.map((m) => m.name),
          ),
          ...models.slice(1),
        ];
      }
      const maxEpochs = int('max-epochs', flags.maxEpochs) ?? cfg.maxEpochs ?? 1000;
      const bars = new Map<string, Progress>();
      let best = Number.NEGATIVE_INFINITY;
      const options: ExperimentOptions = {
        models,
        seed: int('seed', flags.seed) ?? cfg.seed ?? 42,
        patience: int('patience', flags.patience) ?? cfg.patience ?? 20,
        maxEpochs,
        maskValid: flags.maskValid ?? cfg.maskValid ?? false,
        coldCandidates: flags.coldCandidates ?? cfg.coldCandidates ?? false,
        ...((flags.split ?? cfg.split) ? { split: (flags.split ?? cfg.split)! } : {}),
        ...((int('workers', flags.workers) ?? cfg.workers)
          ? { workers: (int('workers', flags.workers) ?? cfg.workers)! }
          : {}),
        onEpoch: (model, e) => {
          let bar = bars.get(model);
          if (!bar) {
            for (const b of bars.values()) b.stop();
            bar = progress(model.padEnd(12), maxEpochs);
            bars.set(model, bar);
            best = Number.NEGATIVE_INFINITY;
          }
          if (e.improved) best = e.valid;
          if (flags.verbose) {
            process.stderr.write(
              `${model} epoch ${e.epoch}: loss ${e.loss.toFixed(5)}  valid ${e.valid.toFixed(4)}${e.improved ? ' *' : ''}  ${e.trainSeconds.toFixed(3)} s\n`,
            );
          }
          bar.update(
            e.epoch,
            `loss ${e.loss.toFixed(4)}  valid ${e.valid.toFixed(4)}  best ${best.toFixed(4)}`,
          );
        },
      };
      if (flags.tuneBudget !== undefined) {
        const budget = Number(flags.tuneBudget);
        if (!(budget > 0))
          throw new InvalidArgumentError(`--tune-budget expects seconds > 0, got "${flags.tuneBudget}"`);
        const seedsForTune = flags.seeds !== undefined ? parseSeeds(flags.seeds) : cfg.seeds;
        const tuneSeed = seedsForTune?.[0] ?? options.seed ?? 42;
        const tuned: ModelSpec[] = [];
        for (const m of options.models) {
          process.stderr.write(
            `tuning ${m.label ?? m.name} on validation for up to ${budget} s (seed ${tuneSeed})\n`,
          );
          const r = await autoTune(ds, {
            model: m.name,
            budgetSeconds: budget,
            seed: tuneSeed,
            ...(m.params ? { params: m.params } : {}),
            ...(options.split ? { split: options.split } : {}),
            ...(options.workers ? { workers: options.workers } : {}),
            ...(options.patience !== undefined ? { patience: options.patience } : {}),
            maxEpochs,
          });
          process.stderr.write(
            `  ${r.isDefault ? 'kept the defaults' : `chose ${JSON.stringify(r.params)}`} (valid ${r.score.toFixed(4)}, defaults ${r.defaultsScore.toFixed(4)}; ${r.usedSeconds.toFixed(0)} s)\n`,
          );
          tuned.push({
            ...m,
            params: r.params,
            label: m.label ?? (r.isDefault ? m.name : `${m.name} (tuned)`),
          });
        }
        options.models = tuned;
      }
      if (flags.itemGroups !== undefined) {
        if (!ds.catalog)
          throw new InvalidArgumentError(
            `--item-groups: dataset ${ds.name} has no item catalog with attributes`,
          );
        const groups: Record<string, (string | undefined)[]> = {};
        for (const name of flags.itemGroups
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)) {
          const labels = ds.catalog.map((it) => {
            const v = it?.attributes[name];
            return v === undefined || v === null ? undefined : String(v);
          });
          if (labels.every((l) => l === undefined)) {
            throw new InvalidArgumentError(
              `--item-groups: no item of ${ds.name} has the attribute "${name}"`,
            );
          }
          groups[name] = labels;
        }
        options.itemGroups = groups;
      }
      const seeds = flags.seeds !== undefined ? parseSeeds(flags.seeds) : cfg.seeds;
      if (seeds && flags.seed !== undefined)
        throw new InvalidArgumentError('give --seed or --seeds, not both');
      if (seeds && seeds.length > 1) {
        const { seed: _seed, ...rest } = options;
        const multi = await runExperimentSeeds(ds, rest, seeds, (seed, k) => {
          for (const b of bars.values()) b.stop();
          bars.clear();
          process.stderr.write(`seed ${seed} (${k + 1}/${seeds.length})\n`);
        });
        for (const b of bars.values()) b.stop();
        process.stdout.write(`${formatSeedExperiment(multi, options.validMetric ?? 'recall@20')}\n`);
        if (flags.json) {
          await writeFile(flags.json, `${JSON.stringify(seedResultToJson(multi), null, 2)}\n`);
          process.stdout.write(`results written to ${flags.json}\n`);
        }
        return;
      }
      if (seeds?.length === 1) options.seed = seeds[0]!;
      const result = await runExperiment(ds, options);
      for (const b of bars.values()) b.stop();
      process.stdout.write(`${formatExperiment(result)}\n`);
      if (flags.json) {
        await writeFile(flags.json, `${JSON.stringify(resultToJson(result), null, 2)}\n`);
        process.stdout.write(`results written to ${flags.json}\n`);
      }
    });
}
