/**
 * @module cli/commands/demo
 * `fusionrec demo`: the main job on the built-in demo data. Generates the multimodal demo catalog
 * (once), runs the collaborative models on a random split, encodes the catalog's text, images and
 * sound with the built-in encoders, then shows on a cold-start split that only content ranks
 * items nobody has interacted with yet. Prints both tables. Then serves: imports the catalog into
 * a SQLite database, trains a content model, starts the server and prints example curl requests
 * (checked against it); `--no-serve` stops the server after the check (tests, CI).
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureDemo } from '../../demo/generate.js';
import { FusionrecError } from '../../errors.js';
import { DEFAULT_DEMO_DIR, loadDataset } from '../../experiment/dataset-spec.js';
import { type ModelSpec, resultToJson, runExperiment } from '../../experiment/experiment.js';
import { formatExperiment } from '../../experiment/report.js';
import { encodeCatalog } from '../../jobs/encode.js';
import { startServer } from '../../serve/server.js';
import { checkExamples, demoExamples, prepareDemoDb } from '../demo/serve.js';
import { parseParams } from '../params.js';
import { closeOnSignal, type ServeFlags, serveOptions, withServeFlags } from './serve.js';
import { collect } from './train.js';

interface DemoFlags extends Omit<ServeFlags, 'db'> {
  dir: string;
  models: string;
  seed: string;
  maxEpochs: string;
  content: boolean;
  items?: string;
  users?: string;
  tables: boolean;
  serve: boolean;
  db?: string;
  serveModel: string;
  serveParams: string[];
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'generate the demo catalog (text, PNG images, WAV clips, feedback) and run the experiments on it',
    )
    .option('--dir <dir>', 'where the demo catalog lives', DEFAULT_DEMO_DIR)
    .option('-m, --models <list>', 'collaborative models', 'popularity,itemknn,bpr,lightgcn')
    .option('--seed <n>', 'seed of the generator, the splits and the models', '42')
    .option('--max-epochs <n>', 'upper bound on epochs per model', '200')
    .option('--no-content', 'skip encoding and the cold-start (content-only) experiment')
    .option('--items <n>', 'catalog size of a newly generated demo (default 1500)')
    .option('--users <n>', 'users of a newly generated demo (default 2000)')
    .option('--no-tables', 'skip the experiment tables (go straight to serving)')
    .option('--no-serve', 'after importing and training, check the example requests and stop (tests, CI)')
    .option('--db <url>', 'serving database (default sqlite://<dir>.db)')
    .option(
      '--serve-model <name>',
      'model the server runs (a content model serves new items at once)',
      'freedom',
    )
    .option(
      '--serve-params <json|k=v>',
      'parameters of the served model: a JSON object or k=v pairs (repeatable)',
      collect,
      [],
    );
  withServeFlags(cmd).action(async (flags: DemoFlags) => {
    const dir = resolve(flags.dir);
    const seed = Number(flags.seed);
    const t0 = performance.now();
    const summary = await ensureDemo(dir, {
      seed,
      ...(flags.items ? { items: Number(flags.items) } : {}),
      ...(flags.users ? { users: Number(flags.users) } : {}),
    });
    const say = (s: string) => process.stdout.write(`${s}\n`);
    say(
      `demo catalog in ${dir}: ${summary.items} items, ${summary.users} users, ${summary.events} events ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
    const ds = await loadDataset(`catalog:${dir}`);
    const models = flags.models.split(',').map((name) => ({ name: name.trim() }));
    const common = { seed, maxEpochs: Number(flags.maxEpochs) };
    if (flags.tables) await experiments();
    await serving();

    async function serving(): Promise<void> {
      say(
        `\n${flags.tables ? '3' : '1'}. serving: the catalog in a database, a trained model, the HTTP API\n`,
      );
      const db = flags.db ?? `sqlite://${dir}.db`;
      const prepared = await prepareDemoDb(summary, db, {
        model: flags.serveModel,
        params: parseParams(flags.serveParams, '--serve-params'),
        epochs: Number(flags.maxEpochs),
        seed,
        say,
      });
      if (prepared.reused) {
        say(
          `reusing ${db}: ${prepared.items} items, ${prepared.users} users, ${prepared.model} version ${prepared.version}`,
        );
      }
      // the demo made the database just now (or reuses its own): it may be new
      const options = serveOptions({ ...flags, db, create: true, ...(flags.serve ? {} : { port: '0' }) });
      const server = await startServer(options);
      const examples = await demoExamples(server.url, dir, options.apiKey);
      const failures = await checkExamples(server.url, examples, options.apiKey);
      if (failures.length > 0) {
        await server.close();
        throw new FusionrecError('INTERNAL', `example requests failed: ${failures.join('; ')}`);
      }
      say(
        `\nthe server answers on ${server.url} (dashboard at ${server.url}/ when dist/web is built). Try:\n`,
      );
      for (const e of examples) say(`# ${e.title}\n${e.curl}\n`);
      say(`OpenAPI: ${server.url}/openapi.json   Prometheus: ${server.url}/metrics`);
      if (!flags.serve) {
        await server.close();
        say(`\n--no-serve: ${examples.length} example requests checked, server stopped`);
        return;
      }
      say('\nCtrl-C stops the server.');
      await closeOnSignal(server);
    }

    async function experiments(): Promise<void> {
      say('1. collaborative models, per-user random split 8:1:1\n');
      const cf = await runExperiment(ds, { models, ...common });
      say(formatExperiment(cf));
      const out: Record<string, unknown> = { collaborative: resultToJson(cf) };
      if (flags.content) {
        const t1 = performance.now();
        const enc = await encodeCatalog(ds, dir, {
          text: { name: 'builtin' },
          image: { name: 'builtin' },
          audio: { name: 'mfcc' },
          cachePath: join(dir, '.cache', 'features.sqlite'),
        });
        ds.modalities.push(...enc.modalities);
        const counts = Object.entries(enc.report)
          .map(
            ([k, r]) =>
              `${k} ${r.dims}d (${r.encoded} encoded, ${r.cached} cached, ${r.failed.length} failed)`,
          )
          .join('; ');
        say(
          `\nencoded the catalog with the built-in encoders in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${counts}\n`,
        );
        say(
          '2. cold-start items (10% of items held out with all their feedback): only content can rank them (LightGCN has no signal for them)\n',
        );
        const content: ModelSpec[] = [
          { name: 'popularity' },
          { name: 'lightgcn' },
          {
            name: 'fusion',
            label: 'fusion-content',
            params: { itemId: 'off', layers: 0, negativeItems: 'warm', lr: 0.005 },
          },
          ...enc.modalities.map((m) => ({
            name: 'itemknn',
            label: `itemknn-${m.name}`,
            params: { source: m.name },
          })),
        ];
        const cold = await runExperiment(ds, { models: content, split: 'cold-start:0.1', ...common });
        say(formatExperiment(cold));
        out.coldStart = resultToJson(cold);
      }
      const file = join(dir, 'results.json');
      await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
      say(`\nresults written to ${file}`);
    }
  });
}
