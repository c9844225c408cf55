/**
 * Start-up benchmark (issue 15): seconds from spawning `fusionrec serve` to its first successful
 * GET /v1/recommend, over the synthetic database of bench/serve-db.ts (N items x 64 dims, an
 * active BPR-shaped version).
 *
 * - cold: no saved item index; the server builds the HNSW graph (off the request path, before it
 *   listens, as before) and saves it in the store (`model_indexes`);
 * - warm (x runs): the saved graph is loaded and checked (rows, dimension, SHA-256 of the graph and
 *   of the item table) instead of rebuilt.
 * For large N the cold start takes many minutes, so `--prebuild-efc K` builds the graph in this
 * process with efConstruction K instead (the server loads whatever graph is saved with the
 * version); the warm figures then measure loading exactly as above.
 * An in-process breakdown (open store; Engine.open, where the snapshot is loaded) separates the
 * server's own work from Node + tsx start-up (a built `dist/` would not pay the TypeScript compile).
 *
 *   node --import tsx bench/startup.ts [--items 100000] [--users 10000] [--runs 3] [--prebuild-efc 0] [--db URL]
 *
 * Prints a table and writes bench/results/startup-<items>.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { textTable } from '../src/experiment/report.js';
import { Engine } from '../src/serve/engine/engine.js';
import type { HnswIndex } from '../src/serve/retrieval/hnsw.js';
import { buildIndex } from '../src/serve/retrieval/index.js';
import { encodeItemIndex, ITEM_INDEX_KIND } from '../src/serve/retrieval/persist.js';
import { openStore } from '../src/store/open.js';
import { argValue, median } from './args.js';
import { buildServeDb } from './serve-db.js';

const nItems = Number(argValue('items', '100000'));
const nUsers = Number(argValue('users', '10000'));
const runs = Number(argValue('runs', '3'));
const prebuildEfc = Number(argValue('prebuild-efc', '0'));
const dim = 64;
const root = resolve(import.meta.dirname, '..');
const say = (s: string) => process.stdout.write(`${s}\n`);

interface Start {
  listenS: number;
  firstRecommendS: number;
  /** The server's own CPU seconds (user + system) when the first list was served. */
  cpuS: number;
  index: string;
}

/** User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/** Spawns the server; resolves with the time until it listens and until a recommend succeeds. */
async function startOnce(db: string): Promise<Start> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--db', db, '--port', '0', '--no-web'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FUSIONREC_API_KEY: '' } },
  );
  try {
    const { url, listenS } = await new Promise<{ url: string; listenS: number }>((ok, fail) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) ok({ url: m[1]!, listenS: (performance.now() - t0) / 1000 });
      });
      child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[server] ${b}`));
      child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${out}`)));
    });
    for (;;) {
      const r = await fetch(`${url}/v1/recommend/user-1?n=10`).catch(() => undefined);
      if (r?.status === 200) {
        const body = (await r.json()) as { source: string };
        const firstRecommendS = (performance.now() - t0) / 1000;
        if (body.source !== 'model') throw new Error(`first list came from ${body.source}, not the model`);
        const cpuS = processCpuSeconds(child.pid);
        const status = (await (await fetch(`${url}/v1/status`)).json()) as { index: { kind: string } };
        return { listenS, firstRecommendS, cpuS, index: status.index.kind };
      }
      await new Promise((w) => setTimeout(w, 5));
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((w) => child.once('exit', w));
    }
  }
}

/** Engine.open in this process: seconds to open the store and to open the engine (snapshot load). */
async function inProcess(
  db: string,
): Promise<{ openStoreS: number; engineOpenS: number; engineOpenCpuS: number; source: string }> {
  const t0 = performance.now();
  const store = await openStore(db);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const engine = await Engine.open(store, { log: (l) => say(`  [engine] ${l}`) });
  const t2 = performance.now();
  const c2 = process.cpuUsage(c1);
  const source = engine.active?.indexSource ?? 'none';
  await engine.close();
  await store.close();
  return {
    openStoreS: (t1 - t0) / 1000,
    engineOpenS: (t2 - t1) / 1000,
    engineOpenCpuS: (c2.user + c2.system) / 1e6,
    source,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-bench-startup-'));
  const loadavgBefore = loadavg();
  try {
    // `--db URL`: warm starts only, over a database this script (or bench/serve.ts) built before
    // whose item index is already saved
    const reuse = argValue('db', '');
    if (!reuse) say(`building the database: ${nItems} items x ${dim}, ${nUsers} users x 10 events…`);
    const built = reuse
      ? { db: reuse, version: 1, items: new Float32Array(0), seconds: 0 }
      : await buildServeDb(dir, { items: nItems, users: nUsers, dim, perUser: 10 });
    say(`  ${built.seconds.toFixed(1)} s`);
    let cold: Start | undefined;
    let prebuildS: number | undefined;
    if (prebuildEfc > 0) {
      say(`building the HNSW graph here (efConstruction ${prebuildEfc}) and saving it with the version…`);
      const t = performance.now();
      const index = buildIndex(built.items, dim, { kind: 'hnsw', efConstruction: prebuildEfc }) as HnswIndex;
      const store = await openStore(built.db);
      await store.putModelIndex(built.version, ITEM_INDEX_KIND, await encodeItemIndex(index, built.items));
      await store.close();
      prebuildS = (performance.now() - t) / 1000;
      say(`  ${prebuildS.toFixed(1)} s`);
    } else if (!reuse) {
      say('cold start (no saved index: build + save)…');
      cold = await startOnce(built.db);
      say(
        `  first recommend after ${cold.firstRecommendS.toFixed(2)} s (server CPU ${cold.cpuS.toFixed(2)} s)`,
      );
    }
    const warm: Start[] = [];
    for (let r = 0; r < runs; r++) {
      const s = await startOnce(built.db);
      say(
        `warm start ${r + 1}: listening ${s.listenS.toFixed(2)} s, first recommend ${s.firstRecommendS.toFixed(2)} s, ` +
          `server CPU ${s.cpuS.toFixed(2)} s`,
      );
      warm.push(s);
    }
    const inproc = await inProcess(built.db);
    const target = nItems >= 1_000_000 ? 10 : 2;
    const warmMed = median(warm.map((s) => s.firstRecommendS));
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgBefore, loadavgAfter: loadavg() },
      command: `node --import tsx bench/startup.ts --items ${nItems} --users ${nUsers} --runs ${runs}${prebuildEfc ? ` --prebuild-efc ${prebuildEfc}` : ''}${reuse ? ` --db ${reuse}` : ''}`,
      shape: { items: nItems, users: nUsers, dim, feedback: nUsers * 10 },
      dbSeconds: built.seconds,
      cold,
      prebuildSeconds: prebuildS,
      warm,
      warmMedianFirstRecommendS: warmMed,
      inProcess: inproc,
      target: { seconds: target, ok: warm.every((s) => s.firstRecommendS <= target) },
    };
    const f = (x: number) => `${x.toFixed(2)} s`;
    say(
      `\n${textTable(
        ['measure', 'value', 'target'],
        [
          ...(cold
            ? [
                [
                  'cold start: first recommend (build + save); server CPU',
                  `${f(cold.firstRecommendS)}; ${f(cold.cpuS)}`,
                  '',
                ],
              ]
            : []),
          ...(prebuildS !== undefined
            ? [[`graph built here (efC ${prebuildEfc}) + saved`, f(prebuildS), '']]
            : []),
          ...warm.map((s, i) => [
            `warm start ${i + 1}: listening / first recommend; server CPU`,
            `${f(s.listenS)} / ${f(s.firstRecommendS)}; ${f(s.cpuS)}`,
            `<= ${target} s`,
          ]),
          ['  in process: open store', f(inproc.openStoreS), ''],
          [
            `  in process: Engine.open (index ${inproc.source}): wall; CPU`,
            `${f(inproc.engineOpenS)}; ${f(inproc.engineOpenCpuS)}`,
            '',
          ],
        ],
      )}`,
    );
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const out = join(root, 'bench', 'results', `startup-${nItems}${reuse ? '-warm' : ''}.json`);
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    say(`\nwritten to ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
