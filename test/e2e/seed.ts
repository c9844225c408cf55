/**
 * @module test/e2e/seed
 * A real fusionrec server for the dashboard tests: a generated demo catalog (pictures, sound,
 * text, feedback) imported into a SQLite file with the built-in encoders, the built dashboard
 * served at `/`, two model versions trained through the API (BPR, and the fusion model, active),
 * a stored experiment report and a stored ablation report, and an A/B experiment between the two
 * versions with traffic: lists served to users through /v1/recommend, and clicks and purchases
 * on them posted to /v1/feedback.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../../src/demo/generate.js';
import { ablationPlan } from '../../src/experiment/ablation.js';
import { loadDataset } from '../../src/experiment/dataset-spec.js';
import { resultToJson, runExperiment } from '../../src/experiment/experiment.js';
import { encodeCatalog } from '../../src/jobs/encode.js';
import { importCatalog } from '../../src/serve/ingest/import-catalog.js';
import { startServer } from '../../src/serve/server.js';
import { openStore } from '../../src/store/open.js';
import { Rng } from '../../src/util/rng.js';
import type { RunningDashboard } from './dashboard-suite.js';
import { ensureWebBuild } from './web-build.js';

interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

function api(base: string): Api {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
}

interface Job {
  status: string;
  version?: number | string;
  error?: string;
}

/** Trains through the API and waits for the job; returns the new version. */
async function train(a: Api, body: Record<string, unknown>): Promise<string> {
  const { job } = await a.post<{ job: string }>('/v1/models/train', body);
  const end = Date.now() + 240_000;
  for (;;) {
    const j = await a.get<Job>(`/v1/jobs/${job}`);
    if (j.status === 'done') return String(j.version);
    if (j.status === 'failed') throw new Error(`training ${JSON.stringify(body)} failed: ${j.error}`);
    if (Date.now() > end) throw new Error(`training ${JSON.stringify(body)} did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Serves lists to `users` and clicks (and sometimes buys) with a per-arm probability. */
async function traffic(
  a: Api,
  users: string[],
  clickRate: Record<string, number>,
  seed: number,
): Promise<void> {
  const rng = new Rng(seed);
  for (const user of users) {
    const r = await a.get<{ arm?: { arm: string }; items: { id: string }[] }>(`/v1/recommend/${user}?n=10`);
    const p = clickRate[r.arm?.arm ?? ''] ?? 0;
    if (r.items.length === 0 || rng.next() >= p) continue;
    const item = r.items[Math.floor(rng.next() * Math.min(5, r.items.length))]!.id;
    const events = [{ user, item, type: 'click' }];
    if (rng.next() < 0.35) events.push({ user, item, type: 'purchase' });
    await a.post('/v1/feedback', events);
  }
}

export async function startDemoServer(): Promise<RunningDashboard> {
  const webRoot = await ensureWebBuild();
  const dir = await mkdtemp(join(tmpdir(), 'fusionrec-dashboard-'));
  const catalog = join(dir, 'catalog');
  const db = join(dir, 'shop.db');
  try {
    await generateDemo(catalog, { items: 160, users: 220, seed: 5 });
    const store = await openStore(`sqlite://${db}`);
    try {
      await importCatalog(store, catalog, { workers: 1, cachePath: false });
    } finally {
      await store.close();
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const log: string[] = [];
  const server = await startServer({
    db: `sqlite://${db}`,
    port: 0,
    webRoot,
    trainInWorker: false,
    processMetrics: false,
    log: (line) => log.push(line),
  });
  const close = async (): Promise<void> => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const a = api(server.url);
    const control = await train(a, { model: 'bpr', epochs: 15, seed: 1, activate: false });
    const treatment = await train(a, { model: 'fusion', epochs: 15, seed: 1, activate: true });

    // what `fusionrec experiment` and an ablation would store, on the same catalog
    const ds = await loadDataset(`catalog:${catalog}`);
    const enc = await encodeCatalog(ds, catalog, {
      text: { name: 'builtin' },
      image: { name: 'builtin' },
      audio: { name: 'mfcc' },
      cachePath: join(dir, 'features.sqlite'),
    });
    ds.modalities.push(...enc.modalities);
    const common = { ks: [5, 10, 20, 50], workers: 1, seed: 1 };
    const result = await runExperiment(ds, {
      models: [{ name: 'popularity' }, { name: 'bpr' }, { name: 'lightgcn' }, { name: 'fusion' }],
      maxEpochs: 12,
      ...common,
    });
    await a.post('/v1/reports', { kind: 'experiment', title: 'demo: models', body: resultToJson(result) });
    const plan = ablationPlan(
      { name: 'fusion' },
      enc.modalities.map((m) => m.name),
    ).slice(0, 7);
    const ablation = await runExperiment(ds, { models: plan, maxEpochs: 6, ...common });
    await a.post('/v1/reports', {
      kind: 'ablation',
      title: 'fusion: modality ablation',
      body: resultToJson(ablation),
    });

    const exp = await a.post<{ id: string }>('/v1/experiments', {
      name: 'bpr-vs-fusion',
      arms: [
        { name: 'A', version: Number(control), share: 0.5 },
        { name: 'B', version: Number(treatment), share: 0.5 },
      ],
    });
    const { users } = await a.get<{ users: { id: string; feedbackCount: number }[] }>('/v1/users?limit=500');
    // the user the tests open: one with history, served by the fusion arm (explanations per modality)
    let user = users[0]!.id;
    for (const u of users) {
      if (u.feedbackCount < 5) continue;
      const r = await a.get<{ arm?: { arm: string } }>(`/v1/recommend/${u.id}?n=1`);
      if (r.arm?.arm === 'B') {
        user = u.id;
        break;
      }
    }
    const others = users.map((u) => u.id).filter((u) => u !== user);
    await traffic(a, others, { A: 0.2, B: 0.4 }, 7);
    await traffic(a, others, { A: 0.2, B: 0.4 }, 8);
    const items = (await readFile(join(catalog, 'items.jsonl'), 'utf8')).split('\n');
    const title = (JSON.parse(items[0]!) as { text: { title: string } }).text.title;
    return {
      url: server.url,
      user,
      word: title.split(' ')[0]!,
      experiment: exp.id,
      image: { id: 'item-0005', path: join(catalog, 'images', 'item-0005.png') },
      close,
    };
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\nserver log:\n${log.join('\n')}`);
  }
}
