/**
 * @module cli/commands/demo
 * `fusionrec demo`: generate the built-in multimodal demo catalog (once), run the experiment
 * runner on it, and print the table. The main job of `npm run demo`.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureDemo } from '../../demo/generate.js';
import { DEFAULT_DEMO_DIR, loadDataset } from '../../experiment/dataset-spec.js';
import { resultToJson, runExperiment } from '../../experiment/experiment.js';
import { formatExperiment } from '../../experiment/report.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'generate the demo catalog (text, PNG images, WAV clips, feedback) and run an experiment on it',
    )
    .option('--dir <dir>', 'where the demo catalog lives', DEFAULT_DEMO_DIR)
    .option('-m, --models <list>', 'comma-separated models', 'popularity')
    .option('--seed <n>', 'seed of the generator and the split', '42')
    .action(async (flags: { dir: string; models: string; seed: string }) => {
      const dir = resolve(flags.dir);
      const seed = Number(flags.seed);
      const t0 = performance.now();
      const summary = await ensureDemo(dir, { seed });
      process.stdout.write(
        `demo catalog in ${dir}: ${summary.items} items, ${summary.users} users, ${summary.events} events ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`,
      );
      const ds = await loadDataset(`catalog:${dir}`);
      const models = flags.models.split(',').map((name) => ({ name: name.trim() }));
      const result = await runExperiment(ds, { models, seed });
      process.stdout.write(`${formatExperiment(result)}\n`);
      const out = join(dir, 'results.json');
      await writeFile(out, `${JSON.stringify(resultToJson(result), null, 2)}\n`);
      process.stdout.write(`\nresults written to ${out}\n`);
    });
}
