/**
 * The cost of the SQLite store's durability setting (issue 12): POST /v1/feedback (one event per
 * request, one transaction each) against a `fusionrec serve` child on a SQLite file on this
 * machine's disk, with `synchronous=NORMAL` (the default) and `synchronous=FULL`
 * (FUSIONREC_SQLITE_DURABILITY=full: the WAL is synced on every commit). For each: the saturated
 * throughput of `--clients` closed-loop clients and its p99, then an open-loop run at `--rate`
 * requests/s (latency from each request's scheduled send time) with its p50/p99.
 *
 *   node --import tsx bench/durability.ts [--seconds 10] [--clients 8] [--rate 200]
 *
 * Prints a table and writes bench/results/durability.json. The machine is shared: numbers are noisy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { textTable } from '../src/experiment/report.js';
import { item } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { startServerProcess } from '../test/scale/processes.js';
import { quantile } from '../test/scale/soak-load.js';
import { argValue } from './args.js';

const seconds = Number(argValue('seconds', '10'));
const clients = Number(argValue('clients', '8'));
const rate = Number(argValue('rate', '200'));
const root = resolve(import.meta.dirname, '..');
const say = (s: string) => process.stdout.write(`${s}\n`);

function post(agent: http.Agent, url: URL, k: number): Promise<number> {
  const body = JSON.stringify([{ user: `u${k % 1000}`, item: `i${k % 100}`, type: 'click' }]);
  return new Promise((ok) => {
    const req = http.request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: '/v1/feedback',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      },
    );
    req.on('error', () => ok(0));
    req.end(body);
  });
}

/** `clients` loops posting as fast as they can for `seconds`. */
async function closedLoop(
  url: URL,
): Promise<{ perSecond: number; p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let errors = 0;
  let k = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const status = await post(agent, url, k++);
        if (status === 200) lat.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { perSecond: lat.length / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), errors };
}

/** Requests evenly spaced at `rate`/s for `seconds`; latency from the scheduled send time. */
async function openLoop(url: URL): Promise<{ achieved: number; p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(rate * seconds);
  const gap = 1000 / rate;
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now() + 20;
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const at = t0 + k * gap;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      post(agent, url, k).then((status) => {
        if (status === 200) lat.push(performance.now() - at);
        else errors++;
      }),
    );
  }
  await Promise.all(pending);
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { achieved: lat.length / wall, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), errors };
}

async function measure(durability: 'normal' | 'full', dir: string) {
  const file = join(dir, `${durability}.db`);
  const store = await openStore(`sqlite://${file}`);
  await store.upsertItems(Array.from({ length: 100 }, (_, k) => item(`i${k}`)));
  await store.close();
  process.env.FUSIONREC_SQLITE_DURABILITY = durability;
  const server = await startServerProcess(['--db', `sqlite://${file}`]);
  try {
    const url = new URL(server.url);
    const agent = new http.Agent({ keepAlive: true });
    for (let k = 0; k < 200; k++) await post(agent, url, k); // warm-up
    agent.destroy();
    say(`${durability}: closed loop, ${clients} clients, ${seconds} s…`);
    const saturated = await closedLoop(url);
    say(`${durability}: open loop, ${rate} req/s, ${seconds} s…`);
    const fixed = await openLoop(url);
    return { durability, saturated, fixed };
  } finally {
    await server.kill('SIGTERM');
    delete process.env.FUSIONREC_SQLITE_DURABILITY;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-durability-'));
  const load0 = loadavg();
  try {
    const runs = [];
    for (const d of ['normal', 'full'] as const) runs.push(await measure(d, dir));
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    say(
      `\n${textTable(
        [
          'synchronous',
          'saturated req/s',
          'saturated p50',
          'saturated p99',
          `@${rate}/s p50`,
          `@${rate}/s p99`,
          'errors',
        ],
        runs.map((r) => [
          r.durability.toUpperCase(),
          r.saturated.perSecond.toFixed(0),
          ms(r.saturated.p50),
          ms(r.saturated.p99),
          ms(r.fixed.p50),
          ms(r.fixed.p99),
          String(r.saturated.errors + r.fixed.errors),
        ]),
      )}`,
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
      command: `node --import tsx bench/durability.ts --seconds ${seconds} --clients ${clients} --rate ${rate}`,
      disk: tmpdir(),
      runs,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'durability.json'), `${JSON.stringify(out, null, 2)}\n`);
    say('written to bench/results/durability.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
