/**
 * @module cli/commands/serve
 * `fusionrec serve --db sqlite://shop.db`: the recommendation server (HTTP API, Gorse-compatible
 * /api/, Prometheus metrics, dashboard) over a serving database. Stops cleanly on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_BODY_LIMIT } from '../../serve/http/app.js';
import { type RunningServer, type ServeOptions, startServer } from '../../serve/server.js';
import { positiveInt } from './train.js';

export interface ServeFlags {
  db: string;
  port: string;
  host: string;
  apiKey?: string;
  readKey?: string;
  mediaRoot?: string;
  positive?: string;
  clickTypes: string;
  conversionTypes: string;
  experiments?: string;
  bodyLimit: string;
  web?: string | false;
  index: string;
  logAllImpressions?: boolean;
  allowRemote?: boolean;
  cors?: string;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Server options from the command line (shared with `fusionrec demo`). */
export function serveOptions(flags: ServeFlags): ServeOptions {
  const index = flags.index;
  if (!['auto', 'hnsw', 'brute'].includes(index)) {
    throw new InvalidArgumentError(`--index must be auto, hnsw or brute, got "${index}"`);
  }
  const port = positiveInt('port', flags.port)!;
  return {
    db: flags.db,
    port,
    host: flags.host,
    apiKey: flags.apiKey ?? process.env.FUSIONREC_API_KEY,
    readKey: flags.readKey ?? process.env.FUSIONREC_READ_KEY,
    clickTypes: list(flags.clickTypes),
    conversionTypes: list(flags.conversionTypes),
    bodyLimit: positiveInt('body-limit', flags.bodyLimit)!,
    index: { kind: index as 'auto' | 'hnsw' | 'brute' },
    ...(flags.mediaRoot ? { mediaRoot: resolve(flags.mediaRoot) } : {}),
    ...(flags.positive ? { positive: list(flags.positive) } : {}),
    ...(flags.experiments ? { experimentsFile: resolve(flags.experiments) } : {}),
    ...(flags.web === false ? { webRoot: false } : flags.web ? { webRoot: resolve(flags.web) } : {}),
    ...(flags.logAllImpressions ? { logAllImpressions: true } : {}),
    ...(flags.allowRemote ? { allowRemote: true } : {}),
    ...(flags.cors ? { corsOrigins: list(flags.cors) } : {}),
  };
}

/** Adds the server flags to a command. */
export function withServeFlags(cmd: Command): Command {
  return cmd
    .option('--port <n>', 'port (0: any free port)', '8087')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--api-key <key>', 'key for write and admin routes (default $FUSIONREC_API_KEY; none: open)')
    .option('--read-key <key>', 'key for read routes too (default $FUSIONREC_READ_KEY; none: open)')
    .option(
      '--media-root <dir>',
      'folder item media paths are relative to (default: the imported catalog folder)',
    )
    .option('--positive <rules>', 'positive feedback rules (default: the database’s)')
    .option('--click-types <types>', 'feedback types counted as A/B clicks', 'click')
    .option('--conversion-types <types>', 'feedback types counted as A/B conversions', 'purchase')
    .option(
      '--experiments <file>',
      'JSON file of A/B experiments to start: [{name, arms: [{name, version, share}]}]',
    )
    .option('--body-limit <bytes>', 'largest request body', String(DEFAULT_BODY_LIMIT))
    .option('--web <dir>', 'dashboard folder (default dist/web when it exists)')
    .option('--no-web', 'do not serve the dashboard')
    .option('--index <kind>', 'item index: auto (brute below 20,000 items, else HNSW), hnsw or brute', 'auto')
    .option('--log-all-impressions', 'log every served list as an impression, not only those of A/B arms')
    .option('--allow-remote', 'fetch http(s) media of new items')
    .option('--cors <origins>', 'origins allowed to call the API from a browser, comma-separated, or *');
}

/** Stops the server on SIGINT/SIGTERM. */
export function closeOnSignal(server: RunningServer): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.stderr.write('\nstopping…\n');
      server.close().then(done, done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerServe(program: Command): void {
  withServeFlags(
    program
      .command('serve')
      .description(
        'serve recommendations over HTTP (native /v1 API, Gorse-compatible /api, metrics, dashboard)',
      )
      .requiredOption('--db <url>', 'store URL, e.g. sqlite://shop.db'),
  ).action(async (flags: ServeFlags) => {
    const server = await startServer(serveOptions(flags));
    const s = await server.engine.status();
    process.stdout.write(
      `fusionrec serving ${s.items} items, ${s.users} users on ${server.url} ` +
        `(model: ${s.model ? `${s.model.name} v${s.model.version}` : 'none yet: popular/latest fallbacks'}, ` +
        `index: ${s.index ? `${s.index.kind} ${s.index.size}x${s.index.dim}` : '-'})\n` +
        `  API docs: ${server.url}/openapi.json   metrics: ${server.url}/metrics\n`,
    );
    await closeOnSignal(server);
  });
}
