/**
 * @module cli/commands/inspect
 * `fusionrec inspect <spec>`: load a dataset and print what it holds: sizes, the predefined split,
 * the feature modalities attached (vectors), and for catalogs the raw modalities its items carry
 * (text, image, audio, precomputed vectors; `fusionrec encode` turns media into vectors), and
 * before a long run: each model's estimated memory, whether it fits the memory limit, and its
 * estimated seconds per epoch on this machine (src/sizing, calibrated by bench/scale.ts), for a
 * random 80% training split.
 */
import type { Command } from 'commander';
import type { Item } from '../../data/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import { textTable } from '../../experiment/report.js';
import { memoryLimit } from '../../sizing/check.js';
import { formatBytes } from '../../sizing/estimate.js';
import { SIZING_HEADER, sizingRows } from '../../sizing/table.js';

/** How many catalog items carry each raw modality: text, image, audio, and each vector name. */
function catalogModalities(catalog: readonly (Item | undefined)[]): Map<string, number> {
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const it of catalog) {
    if (!it) continue;
    if (Object.values(it.text).some((t) => t.trim() !== '')) bump('text');
    if (it.image !== undefined) bump('image');
    if (it.audio !== undefined) bump('audio');
    for (const v of Object.keys(it.vectors)) bump(`vector ${v}`);
  }
  return counts;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect <spec>')
    .description('load a dataset spec and print its size, split labels and modalities')
    .option('--positive <rules>', 'positive feedback rules, comma-separated')
    .option(
      '--modality <name=file.npy>',
      'attach a precomputed modality (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (spec: string, flags: { positive?: string; modality: string[] }) => {
      const modalities: Record<string, string> = {};
      for (const m of flags.modality) {
        const eq = m.indexOf('=');
        if (eq <= 0) throw new InvalidArgumentError(`--modality expects name=file.npy, got "${m}"`);
        modalities[m.slice(0, eq)] = m.slice(eq + 1);
      }
      const ds = await loadDataset(spec, {
        ...(flags.positive ? { positive: flags.positive.split(',') } : {}),
        ...(flags.modality.length ? { modalities } : {}),
      });
      const n = ds.log.length;
      const density = n / Math.max(1, ds.users.size * ds.items.size);
      const rows: string[][] = [
        ['name', ds.name],
        ['source', ds.source],
        ['users', String(ds.users.size)],
        ['items', String(ds.items.size)],
        ['interactions', String(n)],
        ['density', density.toExponential(3)],
      ];
      if (ds.log.labels) {
        const c = [0, 0, 0];
        for (const l of ds.log.labels) c[l] = (c[l] ?? 0) + 1;
        rows.push(['predefined split', `train ${c[0]}, valid ${c[1]}, test ${c[2]}`]);
      }
      for (const m of ds.modalities) {
        const present = m.present.reduce((a, b) => a + b, 0);
        rows.push([
          `modality ${m.name}`,
          `${m.dim} dims, ${present}/${ds.items.size} items, from ${m.source}`,
        ]);
      }
      for (const [name, count] of catalogModalities(ds.catalog ?? [])) {
        rows.push([`modality ${name}`, `${count}/${ds.items.size} items (raw, not encoded)`]);
      }
      process.stdout.write(`${textTable(['field', 'value'], rows)}\n`);
      const shape = {
        users: ds.users.size,
        items: ds.items.size,
        interactions: Math.round(n * 0.8),
        featureDims: ds.modalities.map((m) => m.dim),
      };
      const limit = memoryLimit();
      process.stdout.write(
        `\nsizing (random 80% training split, default parameters; memory limit ${formatBytes(limit)}, FUSIONREC_MEMORY_LIMIT)\n`,
      );
      process.stdout.write(`${textTable(SIZING_HEADER, sizingRows(shape, { limit }))}\n`);
    });
}
