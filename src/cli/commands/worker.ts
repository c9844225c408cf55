/**
 * @module cli/commands/worker
 * `fusionrec worker --db <url> [--cache redis://…] [--kinds train] [--concurrency 1] [--lease 30]`:
 * a long-running process that claims jobs from the store's durable queue (filled by servers
 * started with `--jobs queue`), runs them (training: a new model version, activated as the job's
 * policy says), heartbeats while they run and records the outcome. SIGTERM/SIGINT: stop claiming,
 * let the running job finish within `--grace` seconds, else release it to the queue, and exit 0;
 * a second signal releases at once. A worker killed outright (SIGKILL) loses its job's lease:
 * another worker claims it again once the lease expires, or it fails after its attempts.
 *
 * `--stream` (needs `--cache`): also consume the ingestion stream `<prefix>events` in the consumer
 * group `fusionrec-ingest` (serve/stream/consumer): feedback, items and deletes applied to the
 * store, each event once by its id; entries a dead worker left pending are claimed after
 * `--claim-idle` seconds.
 */

import type { Command } from 'commander';
import { settings } from '../../config/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { startJobWorker, WORKER_KINDS } from '../../serve/worker/run-worker.js';
import { positiveInt } from '../int-flags.js';

interface Flags {
  db: string;
  cache?: string;
  kinds: string;
  concurrency: string;
  lease: string;
  poll: string;
  grace: string;
  id?: string;
  stream?: boolean;
  streamBatch: string;
  claimIdle: string;
}

/** A number of seconds > 0 (`min` 0 allows 0), naming the flag when it is not. */
function seconds(name: string, v: string, min = Number.MIN_VALUE): number {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!(Number.isFinite(n) && n >= min)) {
    throw new InvalidArgumentError(
      `--${name} expects a number of seconds${min === 0 ? '' : ' above 0'}, got "${v}"`,
    );
  }
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run queued jobs (training) from the store: the workers behind servers started with --jobs queue',
    )
    .option(
      '--db <url>',
      'store URL: sqlite://shop.db or postgres://user@host:5432/db[?schema=name] (default $FUSIONREC_DB)',
    )
    .option(
      '--cache <url>',
      'change bus shared with the servers: redis://host:port[?prefix=name:] (default $FUSIONREC_CACHE; else polling)',
    )
    .option('--kinds <kinds>', `job kinds to run, comma-separated (${WORKER_KINDS.join(', ')})`, 'train')
    .option('--concurrency <n>', 'jobs run at once', '1')
    .option('--lease <seconds>', 'how long a claim holds without a heartbeat (heartbeats every third)', '30')
    .option('--poll <ms>', 'how often an idle worker looks for jobs', '1000')
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long the running job may still take before it is released',
      '10',
    )
    .option('--id <name>', 'worker id shown in the jobs and the stream group (default host:pid:random)')
    .option('--stream', 'also apply the events of the stream <prefix>events on the --cache Redis')
    .option('--stream-batch <n>', 'stream entries read at once', '100')
    .option(
      '--claim-idle <seconds>',
      "how long another worker's unacknowledged stream entry waits before this one takes it over",
      '30',
    )
    .action(async (flags: Flags) => {
      const kinds = flags.kinds
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const cache = flags.cache ?? settings().bus;
      const running = await startJobWorker({
        db: flags.db ?? settings().db ?? missingDb(),
        ...(cache ? { cache } : {}),
        kinds,
        concurrency: positiveInt('concurrency', flags.concurrency)!,
        leaseSeconds: seconds('lease', flags.lease),
        pollMs: positiveInt('poll', flags.poll)!,
        ...(flags.id ? { workerId: flags.id } : {}),
        ...(flags.stream
          ? {
              stream: {
                batch: positiveInt('stream-batch', flags.streamBatch)!,
                claimIdleMs: seconds('claim-idle', flags.claimIdle) * 1000,
              },
            }
          : {}),
      });
      const grace = seconds('grace', flags.grace, 0) * 1000;
      process.stdout.write(
        `fusionrec worker ${running.worker.id} on ${running.store.url}: running ${kinds.join(', ')} jobs ` +
          `(concurrency ${flags.concurrency}, lease ${flags.lease} s)` +
          (running.stream
            ? `; applying stream ${running.stream.keys.stream} as ${running.stream.keys.group}/${running.stream.name}`
            : '') +
          '\n',
      );
      await new Promise<void>((done) => {
        let signals = 0;
        const stop = (sig: string) => {
          signals++;
          if (signals === 1) {
            process.stderr.write(
              `${sig}: stopping (running jobs get ${grace / 1000} s, then are released)…\n`,
            );
            running.close(grace).then(done, done);
          } else {
            process.stderr.write(`${sig} again: releasing running jobs now…\n`);
            void running.worker.stop(0);
          }
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
      process.stdout.write(`fusionrec worker ${running.worker.id} stopped\n`);
    });
}

function missingDb(): never {
  throw new InvalidArgumentError('--db is required (or set FUSIONREC_DB, or "db" in the settings file)');
}
