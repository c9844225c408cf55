/**
 * Scale-out on one machine: N `fusionrec serve` processes on one PostgreSQL schema and one Redis
 * (issue 14). Measures, in one run:
 *  - cross-server visibility: feedback POSTed to server A (timed from its 2xx) until the next
 *    recommendation at server B reflects it (the clicked item is excluded as seen), p50/p99 over
 *    `--trials` trials (default 300); the same for a new item posted to A until B lists it;
 *  - the start-up time of a server joining the running installation (spawn to first answer);
 *  - resident memory per server process;
 *  - recommend throughput and p99 with 1, 2 and 3 servers behind a client-side round robin
 *    (closed loop, `--concurrency` requests in flight for `--seconds`). The load generator runs on
 *    the same 2 shared cores as the servers: the figures are what this machine does, not a limit.
 * Run: node --import tsx bench/scale-out.ts [--items 1500] [--trials 300] [--seconds 5]
 * Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Writes bench/results/scale-out.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/testing/run-cli.js';
import { generateDemo } from '../src/demo/generate.js';
import { pgSchema, type ServerProcess, startServerProcess } from '../test/scale/processes.js';
import { argValue } from './args.js';

const ITEMS = Number(argValue('items', '1500'));
const TRIALS = Number(argValue('trials', '300'));
const SECONDS = Number(argValue('seconds', '5'));
const CONCURRENCY = Number(argValue('concurrency', '16'));

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

// biome-ignore lint/suspicious/noExplicitAny: response bodies of our own API, checked by use
async function json(url: string, init?: RequestInit): Promise<any> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
const post = (url: string, body: unknown) =>
  json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const recIds = async (base: string, user: string) =>
  ((await json(`${base}/v1/recommend/${user}?n=10`)).items as { id: string }[]).map((i) => i.id);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function visibility(a: string, b: string): Promise<{ feedback: number[]; items: number[] }> {
  const feedback: number[] = [];
  const items: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    const user = `vis-${k}`;
    const item = (await recIds(b, user))[0]!;
    await post(`${a}/v1/feedback`, [{ user, item, type: 'click' }]);
    const t0 = performance.now();
    while ((await recIds(b, user)).includes(item)) {
      if (performance.now() - t0 > 10_000) throw new Error(`feedback ${k} never reached B`);
    }
    feedback.push(performance.now() - t0);
  }
  for (let k = 0; k < Math.min(TRIALS, 100); k++) {
    const id = `vis-item-${k}`;
    await post(`${a}/v1/items`, [{ id, text: { title: `visibility probe ${k}` }, timestamp: 4e9 + k }]);
    const t0 = performance.now();
    for (;;) {
      const latest = (await json(`${b}/api/latest?n=1`)) as { Id: string }[];
      if (latest[0]?.Id === id) break;
      if (performance.now() - t0 > 10_000) throw new Error(`item ${k} never reached B`);
    }
    items.push(performance.now() - t0);
  }
  return { feedback, items };
}

async function throughput(bases: string[]): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let k = w; performance.now() < end; k += CONCURRENCY) {
        const base = bases[k % bases.length]!;
        const t0 = performance.now();
        const r = await fetch(`${base}/v1/recommend/user-${String((k % 500) + 1).padStart(4, '0')}?n=10`);
        await r.arrayBuffer();
        lat.push(performance.now() - t0);
        n++;
      }
    }),
  );
  return { rps: n / SECONDS, p50: q(lat, 0.5), p99: q(lat, 0.99) };
}

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-scale-out-'));
const db = await pgSchema();
const cache = `redis://127.0.0.1:6379?prefix=${db.schema}:`;
const servers: ServerProcess[] = [];
try {
  await generateDemo(join(dir, 'catalog'), { items: ITEMS, users: Math.round(ITEMS * 1.3), seed: 3 });
  const imp = runCli(['import', join(dir, 'catalog'), '--db', db.url]);
  if (imp.status !== 0) throw new Error(imp.stderr);
  const tr = runCli(['train', '--db', db.url, '--model', 'bpr', '--epochs', '20', '-q']);
  if (tr.status !== 0) throw new Error(tr.stderr);
  const startup: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const s = await startServerProcess(['--db', db.url, '--cache', cache]);
    await json(`${s.url}/v1/recommend/user-0001?n=1`);
    startup.push((performance.now() - t0) / 1000);
    servers.push(s);
  }
  const urls = servers.map((s) => s.url);
  const vis = await visibility(urls[0]!, urls[1]!);
  const tput = [];
  for (const k of [1, 2, 3]) tput.push({ servers: k, ...(await throughput(urls.slice(0, k))) });
  const rss = servers.map((s) => rssMb(s.proc.pid!));
  const result = {
    date: new Date().toISOString(),
    items: ITEMS,
    trials: TRIALS,
    feedbackVisibilityMs: {
      p50: q(vis.feedback, 0.5),
      p99: q(vis.feedback, 0.99),
      max: Math.max(...vis.feedback),
    },
    itemVisibilityMs: { p50: q(vis.items, 0.5), p99: q(vis.items, 0.99), max: Math.max(...vis.items) },
    joinStartupSeconds: startup,
    rssMbPerServer: rss,
    throughput: tput,
  };
  console.log(`catalog: ${ITEMS} items; ${TRIALS} visibility trials; servers on PostgreSQL + Redis`);
  console.log('measure                                   p50 ms   p99 ms   max ms');
  for (const [name, v] of [
    ['feedback at A -> recommendation at B', result.feedbackVisibilityMs],
    ['new item at A -> listed at B', result.itemVisibilityMs],
  ] as const) {
    console.log(
      `${name.padEnd(40)} ${v.p50.toFixed(1).padStart(7)} ${v.p99.toFixed(1).padStart(8)} ${v.max.toFixed(1).padStart(8)}`,
    );
  }
  console.log(`server start-up to first answer (s): ${startup.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`RSS per server (MB): ${rss.map((x) => x.toFixed(0)).join(', ')}`);
  console.log('servers  recommend req/s  p50 ms  p99 ms');
  for (const t of tput)
    console.log(
      `${String(t.servers).padStart(7)} ${t.rps.toFixed(0).padStart(16)} ${t.p50.toFixed(2).padStart(7)} ${t.p99.toFixed(2).padStart(7)}`,
    );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scale-out.json', `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
