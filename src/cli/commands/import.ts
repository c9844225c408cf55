/**
 * @module cli/commands/import
 * `fusionrec import --db sqlite://shop.db <catalog-folder>`: loads a catalog folder (items, users,
 * every feedback event) into a serving database, encoding text, images and audio with the chosen
 * encoders (the catalog folder becomes the media root). Re-importing is idempotent: items and users
 * are upserted and events already stored are not added again; `--replace` swaps the stored
 * feedback for the catalog's in the same transaction. `fusionrec import-report` stores a JSON
 * report (`fusionrec experiment --json` output) for the dashboard.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, InvalidInputError } from '../../errors.js';
import type { EncodersConfig } from '../../serve/content/encoders.js';
import { importCatalog } from '../../serve/ingest/import-catalog.js';
import { absentFiles, removeNewStoreFiles, requireExistingStore, storeFile } from '../../serve/store-file.js';
import { openStore } from '../../store/open.js';
import type { ReportKind } from '../../store/types.js';
import { addEncoderOptions, chosenEncoders, type EncoderFlags } from '../encoder-flags.js';
import { importFailureLines } from '../import-failures.js';
import { positiveInt } from '../int-flags.js';

interface Flags extends EncoderFlags {
  db: string;
  positive?: string;
  encode: boolean;
  refit?: boolean;
  cache: string | false;
  workers?: string;
  replace?: boolean;
}

export function registerImport(program: Command): void {
  const cmd = program
    .command('import')
    .description(
      'load a catalog folder (items, users, feedback, media) into a serving database and encode it',
    )
    .argument('<folder>', 'catalog folder: items.jsonl|csv, users.jsonl|csv, events.jsonl|csv, media files')
    .requiredOption(
      '--db <url>',
      'store URL, e.g. sqlite://shop.db (created when absent; removed again if the import fails)',
    )
    .option(
      '--positive <rules>',
      'positive feedback rules, comma-separated (default: the catalog’s fusionrec.json)',
    );
  addEncoderOptions(cmd)
    .option('--no-encode', 'store the catalog without encoding it')
    .option('--refit', 're-fit the built-in text encoder even when the database holds a fit')
    .option('--cache <file>', 'feature cache file (default: features.sqlite beside the database)')
    .option('--no-cache', 'no feature cache')
    .option('--workers <n>', 'worker threads for the built-in encoders')
    .option(
      '--replace',
      'replace the database’s feedback with the catalog’s (default: add only events not already stored)',
    )
    .action(async (folder: string, flags: Flags) => {
      const encoders: EncodersConfig | false = flags.encode ? chosenEncoders(flags) : false;
      const workers = positiveInt('workers', flags.workers);
      // a failed import leaves nothing behind: the database and feature cache it created go again
      const file = storeFile(flags.db);
      const cache =
        typeof flags.cache === 'string'
          ? resolve(flags.cache)
          : flags.cache !== false && file !== undefined
            ? join(dirname(file), 'features.sqlite')
            : undefined;
      const created = absentFiles([file, cache]);
      const store = await openStore(flags.db);
      const t0 = performance.now();
      let ok = false;
      try {
        const r = await importCatalog(store, folder, {
          encoders,
          ...(flags.positive ? { positive: flags.positive.split(',').map((s) => s.trim()) } : {}),
          ...(flags.refit ? { refit: true } : {}),
          ...(typeof flags.cache === 'string'
            ? { cachePath: resolve(flags.cache) }
            : flags.cache === false
              ? { cachePath: false }
              : {}),
          ...(workers !== undefined ? { workers } : {}),
          ...(flags.replace ? { replaceFeedback: true } : {}),
        });
        const enc = Object.entries(r.encoded)
          .map(
            ([k, m]) =>
              `${k} ${m.dims}d: ${m.encoded + m.cached} encoded, ${m.missing} missing, ${m.failed.length} failed`,
          )
          .join('; ');
        process.stdout.write(
          `imported ${r.items} items, ${r.users} users, ${r.feedback} feedback events into ${store.url} ` +
            `in ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
            `feedback: ${r.feedbackNew} new, ${r.feedbackExisting} already there` +
            (flags.replace ? `, ${r.feedbackRemoved} stored events replaced` : '') +
            '\n' +
            `media root: ${r.mediaRoot}\npositive feedback: ${r.positive.join(', ') || 'every event'}\n` +
            (enc ? `encoders: ${enc}\n` : ''),
        );
        for (const line of importFailureLines(r.encoded)) process.stdout.write(`${line}\n`);
        ok = true;
      } finally {
        await store.close();
        if (!ok) removeNewStoreFiles(created);
      }
    });

  program
    .command('import-report')
    .description('store a JSON report (e.g. `fusionrec experiment --json` output) in a serving database')
    .argument('<file>', 'the JSON file')
    .requiredOption('--db <url>', 'store URL')
    .option('--kind <kind>', 'experiment | ablation | tune', 'experiment')
    .option('--title <title>', 'title shown in the dashboard (default: the file name)')
    .action(async (file: string, flags: { db: string; kind: string; title?: string }) => {
      if (!['experiment', 'ablation', 'tune'].includes(flags.kind)) {
        throw new InvalidArgumentError(`--kind must be experiment, ablation or tune, got "${flags.kind}"`);
      }
      let body: unknown;
      try {
        body = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new InvalidInputError({ file, line: 0 }, 'expected a JSON report', { cause: err });
      }
      requireExistingStore(flags.db);
      const store = await openStore(flags.db);
      try {
        const r = await store.addReport({
          kind: flags.kind as ReportKind,
          title: flags.title ?? basename(file),
          body,
        });
        process.stdout.write(`stored report ${r.id} (${r.kind}: ${r.title})\n`);
      } finally {
        await store.close();
      }
    });
}
