/**
 * @module cli/commands/encode
 * `fusionrec encode`: load a dataset, encode its catalog's text, images and audio with the chosen
 * encoders (through the feature cache, on worker threads), print a summary table and the
 * failures, and write `<modality>.npy`, `items.json` and `encode-report.json`.
 */

import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { applyFlags } from '../../config/runtime.js';
import type { Dataset } from '../../data/dataset.js';
import type { MediaKind } from '../../encoders/encoder.js';
import { InvalidArgumentError } from '../../errors.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import { textTable } from '../../experiment/report.js';
import {
  type EncodeCatalogOptions,
  encodeCatalog,
  type ModalityReport,
  writeModalities,
} from '../../jobs/encode.js';
import { type Progress, progress } from '../../util/progress.js';
import { addEncoderOptions, chosenEncoders, type EncoderFlags } from '../encoder-flags.js';

interface Flags extends EncoderFlags {
  dataset?: string;
  modelDir?: string;
  allowRemote?: boolean;
  cache: string | false;
  out?: string;
  workers?: string;
  positive?: string;
}

/** The default feature cache file. */
export const DEFAULT_CACHE = join('.fusionrec', 'features.sqlite');
const MAX_FAILURES = 20;

/** Loads the spec; relative media paths resolve against the dataset's folder. */
async function load(spec: string, positive: string[] | undefined): Promise<{ ds: Dataset; dir: string }> {
  const ds = await loadDataset(spec, positive ? { positive } : {});
  const source = ds.source.replace(/^[a-z-]+:(?!\/\/)/, '');
  const isDir = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return { ds, dir: isDir ? source : dirname(resolve(source)) };
}

function summary(report: Partial<Record<MediaKind, ModalityReport>>): string {
  const rows = Object.entries(report).map(([kind, r]) => [
    kind,
    r.encoder,
    String(r.dims),
    String(r.encoded),
    String(r.cached),
    String(r.missing),
    String(r.failed.length),
    r.itemsPerSecond > 0 ? r.itemsPerSecond.toFixed(1) : '-',
    r.seconds.toFixed(1),
  ]);
  const header = [
    'modality',
    'encoder',
    'dims',
    'encoded',
    'cached',
    'missing',
    'failed',
    'items/s',
    'seconds',
  ];
  return textTable(header, rows);
}

function failures(report: Partial<Record<MediaKind, ModalityReport>>): string {
  const lines: string[] = [];
  for (const [kind, r] of Object.entries(report)) {
    if (r.failed.length === 0) continue;
    lines.push(`${kind}: ${r.failed.length} failed`);
    for (const f of r.failed.slice(0, MAX_FAILURES)) lines.push(`  ${f.id}: ${f.reason}`);
    if (r.failed.length > MAX_FAILURES)
      lines.push(`  … and ${r.failed.length - MAX_FAILURES} more (see encode-report.json)`);
  }
  return lines.join('\n');
}

/** Adds `fusionrec encode` to `program`. */
export function registerEncode(program: Command): void {
  const cmd = program
    .command('encode')
    .description(
      'encode a catalog’s text, images and audio into feature modalities (.npy), with a feature cache',
    )
    .requiredOption(
      '-d, --dataset <spec>',
      'dataset spec: catalog:<dir> | demo | movielens-mm:<dataRoot> | movielens:<dir> | shared:<name> | …',
    );
  addEncoderOptions(cmd, '{"dim":256,"method":"svd"}')
    .option('--model-dir <dir>', 'folder of local model folders (default $FUSIONREC_MODEL_DIR or ./models)')
    .option('--allow-remote', 'allow model downloads from the Hugging Face hub and fetching http(s) media')
    .option('--cache <file>', `SQLite feature cache (default ${DEFAULT_CACHE})`, DEFAULT_CACHE)
    .option('--no-cache', 'do not read or write the feature cache')
    .option('--out <dir>', 'output folder (default .fusionrec/encoded/<dataset name>)')
    .option('--workers <n>', 'worker threads for the built-in encoders (default: all cores)')
    .option(
      '--positive <rules>',
      'positive feedback rules, comma-separated (only affects the saved item list)',
    )
    .action(async (flags: Flags) => {
      applyFlags({
        ...(flags.modelDir ? { modelDir: resolve(flags.modelDir) } : {}),
        ...(flags.allowRemote ? { allowRemoteModels: true } : {}),
      });
      const workers = flags.workers === undefined ? undefined : Number(flags.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
        throw new InvalidArgumentError(`--workers expects an integer >= 1, got "${flags.workers}"`);
      }
      const options: EncodeCatalogOptions = {
        ...(flags.cache !== false ? { cachePath: resolve(flags.cache) } : {}),
        ...(workers !== undefined ? { workers } : {}),
        allowRemote: flags.allowRemote === true,
      };
      // unknown encoder names fail here, before loading anything
      for (const [kind, c] of Object.entries(chosenEncoders(flags)) as [
        MediaKind,
        { name: string; options?: Record<string, unknown> },
      ][])
        options[kind] = { name: c.name, options: c.options ?? {} };
      if (!options.text && !options.image && !options.audio) {
        throw new InvalidArgumentError('nothing to encode: --text, --image and --audio are all "none"');
      }
      const { ds, dir } = await load(flags.dataset!, flags.positive?.split(','));
      let bar: Progress | undefined;
      let barKey = '';
      let started = 0;
      options.onProgress = (e) => {
        const key = `${e.modality} ${e.phase}`;
        if (key !== barKey) {
          bar?.stop();
          bar = progress(`${e.modality.padEnd(5)} ${e.phase.padEnd(6)}`, e.total);
          barKey = key;
          started = performance.now();
        }
        const rate = e.done / Math.max(1e-3, (performance.now() - started) / 1000);
        bar?.update(e.done, `${rate.toFixed(1)} items/s`);
      };
      const { modalities, report } = await encodeCatalog(ds, dir, options);
      bar?.stop();
      process.stdout.write(`${ds.name}: ${ds.items.size} items\n${summary(report)}\n`);
      const failed = failures(report);
      if (failed) process.stdout.write(`\n${failed}\n`);
      const out = resolve(flags.out ?? join('.fusionrec', 'encoded', ds.name));
      await writeModalities(out, ds, modalities, report);
      process.stdout.write(
        `\nwrote ${modalities.map((m) => `${m.name}.npy`).join(', ')}, items.json, encode-report.json to ${out}\n`,
      );
    });
}
