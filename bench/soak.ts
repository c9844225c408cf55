/**
 * Soak benchmark (issue 12): a `fusionrec serve` child over a SQLite file with `--items` items
 * (generated through the store: short texts with their built-in 64-d text vectors, a synthetic 64-d
 * BPR model; test/scale/soak-load.ts) under a mixed open-loop load on loopback at `--rate`
 * requests/s for `--seconds`: 80% GET /v1/recommend, 15% POST /v1/feedback, 2.5% POST /v1/items
 * (one new item, encoded by the server), 2.5% GET /v1/search (text). Records per minute the
 * requests, errors, p50/p99/max latency (from each request's scheduled send time), and the server's
 * RSS and open file descriptors (/proc/<pid>); then the least-squares slopes of RSS and descriptors
 * over the samples after the first minute (warm-up: caches, JIT, the HNSW index growing with new
 * items). Before the load, one text search builds the text index (timed: on 100k items it blocks
 * the server's event loop; see docs/RELIABILITY.md). Prints a table and writes bench/results/soak.json.
 *
 *   node --import tsx bench/soak.ts [--items 100000] [--users 10000] [--rate 1000] [--seconds 600]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { textTable } from '../src/experiment/report.js';
import { startServerProcess } from '../test/scale/processes.js';
import { buildSoakDb, MIX, mixedLoad, slope, type Window, warmUp } from '../test/scale/soak-load.js';
import { argValue } from './args.js';

const items = Number(argValue('items', '100000'));
const users = Number(argValue('users', '10000'));
const rate = Number(argValue('rate', '1000'));
const seconds = Number(argValue('seconds', '600'));
const root = resolve(import.meta.dirname, '..');
const say = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => x.toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-soak-'));
  const load0 = loadavg();
  try {
    say(`building ${items} items (text + 64-d text vectors), ${users} users, synthetic 64-d BPR model…`);
    const file = join(dir, 'soak.db');
    const built = await buildSoakDb(file, { items, users });
    say(`  ${built.toFixed(1)} s`);
    const t0 = performance.now();
    const server = await startServerProcess(['--db', `sqlite://${file}`], 300_000);
    const startup = (performance.now() - t0) / 1000;
    say(`server up in ${startup.toFixed(1)} s on ${server.url}`);
    let result: Awaited<ReturnType<typeof mixedLoad>>;
    let firstSearch = 0;
    try {
      firstSearch = await warmUp(server.url);
      say(
        `first text search (builds the text index): ${firstSearch.toFixed(1)} s; ${rate} req/s for ${seconds} s`,
      );
      result = await mixedLoad(server.url, server.proc.pid!, {
        rate,
        seconds,
        shape: { items, users },
        onWindow: (w: Window) =>
          say(
            `  t=${w.t}s: ${w.requests} requests, ${w.errors} errors, p99 ${ms(w.p99)} ms, ` +
              `RSS ${w.rssMb.toFixed(0)} MB, fds ${w.fds}, load ${loadavg()[0]!.toFixed(2)}`,
          ),
      });
    } finally {
      await server.kill('SIGTERM');
    }
    const late = result.samples.filter((s) => s.t >= 60);
    const rssSlope = slope(
      late.map((s) => s.t / 60),
      late.map((s) => s.rssMb),
    );
    const fdSlope = slope(
      late.map((s) => s.t / 60),
      late.map((s) => s.fds),
    );
    const out = {
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        loadavgBefore: load0,
        loadavgAfter: loadavg(),
      },
      command: `node --import tsx bench/soak.ts --items ${items} --users ${users} --rate ${rate} --seconds ${seconds}`,
      shape: { items, users, dim: 64, feedbackPerUser: 10, mix: MIX },
      buildSeconds: built,
      startupSeconds: startup,
      firstSearchSeconds: firstSearch,
      requests: result.requests,
      errors: result.errors,
      errorSamples: result.errorSamples,
      achieved: result.achieved,
      p50: result.p50,
      p99: result.p99,
      p999: result.p999,
      rssSlopeMbPerMinute: rssSlope,
      fdSlopePerMinute: fdSlope,
      windows: result.windows,
      samples: result.samples,
    };
    say(
      `\n${textTable(
        ['minute end (s)', 'requests', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'RSS MB', 'fds'],
        result.windows.map((w) => [
          String(w.t),
          String(w.requests),
          String(w.errors),
          ms(w.p50),
          ms(w.p99),
          ms(w.max),
          w.rssMb.toFixed(0),
          String(w.fds),
        ]),
      )}`,
    );
    say(
      `\n${result.requests} requests, ${result.errors} errors, achieved ${result.achieved.toFixed(0)}/s, ` +
        `p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms, p99.9 ${ms(result.p999)} ms\n` +
        `RSS slope after minute 1: ${rssSlope.toFixed(2)} MB/min; descriptors: ${fdSlope.toFixed(3)}/min`,
    );
    for (const e of result.errorSamples) say(`  error: ${e}`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'soak.json'), `${JSON.stringify(out, null, 2)}\n`);
    say('written to bench/results/soak.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
