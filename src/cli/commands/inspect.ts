/**
 * @module cli/commands/inspect
 * `fusionrec inspect <spec>`: load a dataset and print what it holds: sizes, the predefined split,
 * the feature modalities attached (vectors), and for catalogs the raw modalities its items carry
 * (text, image, audio, precomputed vectors; `fusionrec encode` turns media into vectors).
 */
import type { Command } from 'commander';
import type { Item } from '../../data/types.js';
import { loadDataset } from '../../experiment/dataset-spec.js';
import { textTable } from '../../experiment/report.js';

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
    .action(async (spec: string, flags: { positive?: string }) => {
      const ds = await loadDataset(spec, flags.positive ? { positive: flags.positive.split(',') } : {});
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
    });
}
