/**
 * @module cli/commands/train
 * `fusionrec train --db sqlite://x.db --model bpr [--params dim=64,lr=0.01] [--epochs N]`: trains a
 * model on the store's feedback (early stopping on a validation split, test metrics at K = 5, 10,
 * 20, 50, then a refit on all feedback), stores it as a new model version with its report and
 * activates it (a running server picks it up on its next start or `POST /v1/models/{v}/activate`).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { textTable } from '../../experiment/report.js';
import { modelNames } from '../../models/registry.js';
import { trainVersion } from '../../serve/train/train.js';
import { openStore } from '../../store/open.js';

interface Flags {
  db: string;
  model: string;
  params: string[];
  epochs?: string;
  patience?: string;
  positive?: string;
  seed: string;
  refit: boolean;
  activate: boolean;
  json?: string;
  quiet?: boolean;
}

/** Parses `k=v` pairs (repeatable, or comma-separated): numbers, true/false, else strings. */
export function parseParams(list: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of list.flatMap((s) => s.split(','))) {
    const t = part.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--params expects key=value pairs, got "${t}"`);
    const key = t.slice(0, eq).trim();
    const raw = t.slice(eq + 1).trim();
    out[key] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  return out;
}

export const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`--${name} expects a non-negative integer, got "${v}"`);
  return n;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on the feedback in a serving database and store it as a new model version')
    .requiredOption('--db <url>', 'store URL, e.g. sqlite://shop.db')
    .requiredOption('-m, --model <name>', `model: ${modelNames().join(', ')}`)
    .option(
      '-p, --params <k=v>',
      'model parameter (repeatable or comma-separated), e.g. dim=64,lr=0.01',
      collect,
      [],
    )
    .option('--epochs <n>', 'upper bound on epochs (default 200)')
    .option('--patience <n>', 'epochs without validation improvement before stopping (default 10)')
    .option('--positive <rules>', 'positive feedback rules, comma-separated (default: the database’s)')
    .option('--seed <n>', 'seed of the split and the model', '42')
    .option(
      '--no-refit',
      'serve the model trained on the training split instead of refitting on all feedback',
    )
    .option('--no-activate', 'store the version without making it the active one')
    .option('--json <file>', 'write the report as JSON')
    .option('-q, --quiet', 'no per-epoch lines')
    .action(async (flags: Flags) => {
      const store = await openStore(flags.db);
      const say = (s: string) => process.stdout.write(`${s}\n`);
      try {
        const epochs = positiveInt('epochs', flags.epochs);
        const patience = positiveInt('patience', flags.patience);
        const out = await trainVersion(
          store,
          {
            model: flags.model,
            params: parseParams(flags.params),
            seed: Number(flags.seed),
            refit: flags.refit,
            activate: flags.activate,
            ...(epochs !== undefined ? { epochs } : {}),
            ...(patience !== undefined ? { patience } : {}),
            ...(flags.positive ? { positive: flags.positive.split(',').map((s) => s.trim()) } : {}),
          },
          (p) => {
            if (flags.quiet) return;
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
