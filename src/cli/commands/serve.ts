/**
 * @module cli/commands/serve
 * `fusionrec serve --db sqlite://shop.db`: the recommendation server (HTTP API, Gorse-compatible
 * /api/, Prometheus metrics, dashboard) over a serving database. Stops cleanly on SIGINT/SIGTERM.
 */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { settings } from '../../config/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_BODY_LIMIT } from '../../serve/http/app.js';
import { type RunningServer, type ServeOptions, startServer } from '../../serve/server.js';
import { ACTIVATION_POLICIES, type ActivationPolicy } from '../../serve/train/activation.js';
import { JOBS_MODES, type JobsMode } from '../../serve/worker/jobs-api.js';
import { nonNegativeInt, positiveInt } from '../int-flags.js';

export interface ServeFlags {
  db?: string;
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
  vectors?: string;
  logAllImpressions?: boolean;
  allowRemote?: boolean;
  cors?: string;
  cache?: string;
  create?: boolean;
  trainActivate: string;
  trainQueue: string;
  trainMaxDim: string;
  trainMaxEpochs: string;
  jobs?: string;
  encodeWorkers?: string;
  encodeQueue?: string;
  encodeTimeout?: string;
  maxAudioSeconds?: string;
  maxAudioSamples?: string;
  maxImagePixels?: string;
}

/** The encode service's flags that were given (the server's defaults apply to the others). */
function encodeFlags(flags: ServeFlags): Partial<ServeOptions> {
  const out: Partial<ServeOptions> = {};
  const set = (key: keyof ServeOptions, name: string, v: string | undefined) => {
    const n = positiveInt(name, v);
    if (n !== undefined) (out as Record<string, number>)[key] = n;
  };
  set('encodeWorkers', 'encode-workers', flags.encodeWorkers);
  set('encodeQueue', 'encode-queue', flags.encodeQueue);
  set('encodeTimeoutMs', 'encode-timeout', flags.encodeTimeout);
  set('maxAudioSeconds', 'max-audio-seconds', flags.maxAudioSeconds);
  set('maxAudioSamples', 'max-audio-samples', flags.maxAudioSamples);
  set('maxImagePixels', 'max-image-pixels', flags.maxImagePixels);
  return out;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Retention and request-log pseudonyms (`--retention-days`, `--log-key`, `--no-log-pseudonyms`). */
function privacyFlags(flags: ServeFlags): Pick<ServeOptions, 'retentionDays' | 'privacy'> {
  const f = flags as ServeFlags & { retentionDays?: string; logKey?: string; logPseudonyms?: boolean };
  const out: Pick<ServeOptions, 'retentionDays' | 'privacy'> = {};
  if (f.retentionDays !== undefined) {
    const d = Number(f.retentionDays);
    if (!Number.isFinite(d) || d < 0) {
      throw new InvalidArgumentError(
        `--retention-days must be a number of days >= 0, got "${f.retentionDays}"`,
      );
    }
    out.retentionDays = d;
  }
  const key = f.logKey ?? settings().logKey;
  if (f.logPseudonyms === false) out.privacy = { logKey: false };
  else if (key) out.privacy = { logKey: key };
  return out;
}

/** `--vectors float32|int8` as index options (float32, the default, adds nothing). */
function vectorsFlag(v: string | undefined): { vectors?: 'int8' } {
  if (v === undefined || v === 'float32') return {};
  if (v === 'int8') return { vectors: 'int8' };
  throw new InvalidArgumentError(`--vectors must be float32 or int8, got "${v}"`);
}

/** Server options from the command line (shared with `fusionrec demo`). */
export function serveOptions(flags: ServeFlags): ServeOptions {
  const index = flags.index;
  if (!['auto', 'hnsw', 'brute'].includes(index)) {
    throw new InvalidArgumentError(`--index must be auto, hnsw or brute, got "${index}"`);
  }
  const port = nonNegativeInt('port', flags.port)!;
  if (!ACTIVATION_POLICIES.includes(flags.trainActivate as ActivationPolicy)) {
    throw new InvalidArgumentError(
      `--train-activate must be one of ${ACTIVATION_POLICIES.join(', ')}, got "${flags.trainActivate}"`,
    );
  }
  const jobs = flags.jobs ?? 'local';
  if (!JOBS_MODES.includes(jobs as JobsMode)) {
    throw new InvalidArgumentError(`--jobs must be one of ${JOBS_MODES.join(', ')}, got "${jobs}"`);
  }
  return {
    db: flags.db ?? settings().db ?? missingDb(),
    ...(jobs === 'queue' ? { jobs: 'queue' as const } : {}),
    ...(flags.create ? { create: true } : {}),
    trainActivate: flags.trainActivate as ActivationPolicy,
    trainQueue: nonNegativeInt('train-queue', flags.trainQueue)!,
    trainMaxDim: positiveInt('train-max-dim', flags.trainMaxDim)!,
    trainMaxEpochs: positiveInt('train-max-epochs', flags.trainMaxEpochs)!,
    port,
    host: flags.host,
    apiKey: flags.apiKey ?? settings().apiKey,
    readKey: flags.readKey ?? settings().readKey,
    clickTypes: list(flags.clickTypes),
    conversionTypes: list(flags.conversionTypes),
    bodyLimit: positiveInt('body-limit', flags.bodyLimit)!,
    index: { kind: index as 'auto' | 'hnsw' | 'brute', ...vectorsFlag(flags.vectors) },
    ...(flags.mediaRoot ? { mediaRoot: resolve(flags.mediaRoot) } : {}),
    ...(flags.positive ? { positive: list(flags.positive) } : {}),
    ...(flags.experiments ? { experimentsFile: resolve(flags.experiments) } : {}),
    ...(flags.web === false ? { webRoot: false } : flags.web ? { webRoot: resolve(flags.web) } : {}),
    ...(flags.logAllImpressions ? { logAllImpressions: true } : {}),
    ...(flags.allowRemote ? { allowRemote: true } : {}),
    ...(flags.cors ? { corsOrigins: list(flags.cors) } : {}),
    ...privacyFlags(flags),
    ...encodeFlags(flags),
    ...((flags.cache ?? settings().bus) ? { cache: (flags.cache ?? settings().bus)! } : {}),
  };
}

/** Adds the server flags to a command. */
export function withServeFlags(cmd: Command): Command {
  return cmd
    .option('--port <n>', 'port (0: any free port)', '8087')
    .option(
      '--train-activate <policy>',
      'when a version trained through the API goes live unless the request says: never (activate it yourself), always, if-better (its validation recall@20 beats the active one)',
      'never',
    )
    .option(
      '--jobs <mode>',
      "where POST /v1/models/train runs: local (in this server) or queue (the store's job queue, run by `fusionrec worker`)",
      'local',
    )
    .option('--train-queue <n>', 'training jobs that may wait behind the running one (more: 429)', '4')
    .option(
      '--train-max-dim <n>',
      'largest embedding width (params.dim) a training request may ask for',
      '1024',
    )
    .option('--train-max-epochs <n>', 'largest epochs a training request may ask for', '1000')
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
    .option(
      '--encode-workers <n>',
      'worker threads that decode and encode media (default: cores - 1, 1 to 4)',
    )
    .option(
      '--encode-queue <n>',
      'media encodes admitted at once, running or waiting; more get 503 (default 16)',
    )
    .option(
      '--encode-timeout <ms>',
      'longest time one media batch may take on a worker; longer gets 503 (default 30000)',
    )
    .option('--max-audio-seconds <s>', 'longest audio clip, posted or stored (default 600)')
    .option('--max-audio-samples <n>', 'most decoded audio samples, frames x channels (default 30000000)')
    .option('--max-image-pixels <n>', 'largest picture, width x height (default 40000000)')
    .option('--web <dir>', 'dashboard folder (default dist/web when it exists)')
    .option('--no-web', 'do not serve the dashboard')
    .option('--index <kind>', 'item index: auto (brute below 20,000 items, else HNSW), hnsw or brute', 'auto')
    .option(
      '--vectors <kind>',
      'item vectors kept for scans and re-scoring: float32, or int8 (a scale per vector, exact float32 re-scoring)',
      'float32',
    )
    .option('--log-all-impressions', 'log every served list as an impression, not only those of A/B arms')
    .option(
      '--retention-days <n>',
      'age after which raw feedback is aggregated (or deleted) and request logs deleted (default: the setting, else keep)',
    )
    .option(
      '--log-key <key>',
      'key of the request logs’ user pseudonyms, HMAC-SHA256 (default $FUSIONREC_LOG_KEY, else generated)',
    )
    .option('--no-log-pseudonyms', 'store user ids in request logs in clear')
    .option('--allow-remote', 'fetch http(s) media of new items')
    .option('--cors <origins>', 'origins allowed to call the API from a browser, comma-separated, or *')
    .option(
      '--cache <url>',
      'change bus shared by several servers: redis://host:port[?prefix=name:] (default $FUSIONREC_CACHE, else in-process)',
    );
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
      .option(
        '--db <url>',
        'store URL: sqlite://shop.db (must exist unless --create), or postgres://user@host:5432/db[?schema=name] (default $FUSIONREC_DB)',
      )
      .option('--create', 'start with a new, empty database when the --db file does not exist'),
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

function missingDb(): never {
  throw new InvalidArgumentError('--db is required (or set FUSIONREC_DB, or "db" in the settings file)');
}
