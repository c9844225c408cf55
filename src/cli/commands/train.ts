/**
 * @module cli/commands/train
 * `fusionrec train --db sqlite://x.db --model bpr [--params '{"dim":64}' | dim=64,lr=0.01] [--epochs N]`: trains a
 * model on the store's feedback (early stopping on a validation split, test metrics at K = 5, 10,
 * 20, 50, then a refit on all feedback), stores it as a new model version with its report and
 * activates it (a running server picks it up on its next start or `POST /v1/models/{v}/activate`).
 * `--tune-budget <s>` first auto-tunes on the validation split (experiment/autotune) within that
 * many seconds; the chosen setting and the budget used are stored in the version's report.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { textTable } from '../../experiment/report.js';
import { modelNames } from '../../models/registry.js';
import { requireExistingStore } from '../../serve/store-file.js';
import { trainVersion } from '../../serve/train/train.js';
import { openStore } from '../../store/open.js';
import { nonNegativeInt, positiveInt } from '../int-flags.js';
import { parseParams } from '../params.js';

interface Flags {
  db: string;
  model: string;
  params: string[];
  epochs?: string;
  patience?: string;
  positive?: string;
  seed: string;
  tuneBudget?: string;
  refit: boolean;
  activate: boolean;
  json?: string;
  quiet?: boolean;
}

export const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on the feedback in a serving database and store it as a new model version')
    .requiredOption('--db <url>', 'store URL, e.g. sqlite://shop.db')
    .requiredOption('-m, --model <name>', `model: ${modelNames().join(', ')}`)
    .option(
      '-p, --params <json|k=v>',
      'model parameters: a JSON object, or k=v pairs (values read as JSON; repeatable), e.g. \'{"dim":64}\' or dim=64,lr=0.01',
      collect,
      [],
    )
    .option('--epochs <n>', 'upper bound on epochs (default 200)')
    .option('--patience <n>', 'epochs without validation improvement before stopping (default 10)')
    .option('--positive <rules>', 'positive feedback rules, comma-separated (default: the database’s)')
    .option('--seed <n>', 'seed of the split and the model', '42')
    .option(
      '--tune-budget <seconds>',
      'auto-tune on the validation split within this many seconds first (successive halving over the model’s default space; --params stay fixed)',
    )
    .option(
      '--no-refit',
      'serve the model trained on the training split instead of refitting on all feedback',
    )
    .option('--no-activate', 'store the version without making it the active one')
    .option('--json <file>', 'write the report as JSON')
    .option('-q, --quiet', 'no per-epoch lines')
    .action(async (flags: Flags) => {
      const params = parseParams(flags.params);
      requireExistingStore(flags.db);
      const store = await openStore(flags.db);
      const say = (s: string) => process.stdout.write(`${s}\n`);
      try {
        const epochs = positiveInt('epochs', flags.epochs);
        const patience = nonNegativeInt('patience', flags.patience);
        const tune = flags.tuneBudget === undefined ? undefined : Number(flags.tuneBudget);
        if (tune !== undefined && !(Number.isFinite(tune) && tune > 0)) {
          throw new InvalidArgumentError(
            `--tune-budget expects a number of seconds > 0, got "${flags.tuneBudget}"`,
          );
        }
        const out = await trainVersion(
          store,
          {
            model: flags.model,
            params,
            seed: Number(flags.seed),
            refit: flags.refit,
            activate: flags.activate,
            ...(epochs !== undefined ? { epochs } : {}),
            ...(patience !== undefined ? { patience } : {}),
            ...(tune !== undefined ? { tuneBudgetSeconds: tune } : {}),
            ...(flags.positive ? { positive: flags.positive.split(',').map((s) => s.trim()) } : {}),
          },
          (p) => {
            if (flags.quiet) return;
            if (p.phase === 'tune') {
              if (p.valid === undefined) say('tuning on validation…');
              return;
            }
            if (p.phase === 'train' && p.epoch !== undefined) {
              say(`epoch ${p.epoch}: loss ${p.loss?.toFixed(4)}  valid recall@20 ${p.valid?.toFixed(4)}`);
            } else if (p.phase !== 'train' && p.phase !== 'refit') say(`${p.phase}…`);
          },
        );
        const r = out.report as {
          bestEpoch: number;
          trainSeconds: number;
          dataset: { users: number; items: number };
        };
        const ks = [5, 10, 20, 50];
        const rows = ['recall', 'ndcg', 'precision'].map((m) => [
          m,
          ...ks.map((k) => (out.metrics[`${m}@${k}`] ?? Number.NaN).toFixed(4)),
        ]);
        say(
          `\n${flags.model} version ${out.version}${flags.activate ? ' (active)' : ''}: ${r.dataset.users} users x ${r.dataset.items} items, ` +
            `best epoch ${r.bestEpoch}, ${r.trainSeconds.toFixed(1)} s\n`,
        );
        const tuning = out.report.tuning as
          | {
              params: Record<string, unknown>;
              budgetSeconds: number;
              usedSeconds: number;
              score: number;
              isDefault: boolean;
            }
          | undefined;
        if (tuning) {
          const chosen = Object.entries(tuning.params)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ');
          say(
            `tuned within ${tuning.budgetSeconds} s (used ${tuning.usedSeconds.toFixed(1)} s): ` +
              `${tuning.isDefault ? 'kept the defaults' : chosen} (valid recall@20 ${tuning.score.toFixed(4)})\n`,
          );
        }
        say(textTable(['test', ...ks.map((k) => `@${k}`)], rows));
        if (flags.json)
          await writeFile(
            flags.json,
            `${JSON.stringify({ version: out.version, ...out.report }, null, 2)}\n`,
          );
      } finally {
        await store.close();
      }
    });
}
