/**
 * @module cli/demo/serve
 * The serving part of the demo: the generated catalog imported into a SQLite database (built-in
 * encoders), a content model trained on it and activated, and example requests built from the
 * catalog's own ids (curl command lines) that are checked against a running server.
 */
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoSummary } from '../../demo/generate.js';
import { AlreadyExistsError, InvalidArgumentError } from '../../errors.js';
import { importCatalog } from '../../serve/ingest/import-catalog.js';
import { trainVersion } from '../../serve/train/train.js';
import { openStore, sqlitePath } from '../../store/open.js';

const DEMO_META = 'demo';

export interface DemoDbResult {
  db: string;
  reused: boolean;
  items: number;
  users: number;
  feedback: number;
  version: number;
  model: string;
  metrics: Record<string, number>;
}

/**
 * Imports the demo catalog into the database at `db` and trains `model` there, unless the database
 * already holds this very catalog with a trained model (then it is reused). A database that is not
 * a demo database is never touched.
 */
export async function prepareDemoDb(
  demo: DemoSummary,
  db: string,
  options: {
    model: string;
    params?: Record<string, unknown>;
    epochs: number;
    seed: number;
    say?: (s: string) => void;
  },
): Promise<DemoDbResult> {
  const file = sqlitePath(db);
  if (file === undefined) throw new InvalidArgumentError(`the demo needs a SQLite database URL, got "${db}"`);
  const marker = JSON.stringify({ dir: demo.dir, params: demo.params, model: options.model });
  if (file !== ':memory:' && existsSync(file)) {
    const store = await openStore(db);
    try {
      const found = await store.getMeta<string>(DEMO_META);
      const active = await store.activeModelVersion();
      if (found === marker && active !== undefined) {
        const counts = await store.counts();
        const v = (await store.getModelVersion(active))!;
        return { db, reused: true, ...counts, version: active, model: v.name, metrics: v.metrics };
      }
      if (found === undefined && (await store.counts()).items > 0) {
        throw new AlreadyExistsError(
          `${file} holds a database that the demo did not make; choose another --db`,
        );
      }
    } finally {
      await store.close();
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
  const store = await openStore(db);
  try {
    const t0 = performance.now();
    const r = await importCatalog(store, demo.dir, {
      cachePath: join(demo.dir, '.cache', 'features.sqlite'),
    });
    options.say?.(
      `imported ${r.items} items, ${r.users} users, ${r.feedback} events into ${store.url} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s, built-in encoders: ${Object.keys(r.encoded).join(', ')})`,
    );
    const t1 = performance.now();
    const out = await trainVersion(store, {
      model: options.model,
      ...(options.params ? { params: options.params } : {}),
      epochs: options.epochs,
      patience: 10,
      seed: options.seed,
      activate: true,
    });
    options.say?.(
      `trained ${options.model} (version ${out.version}) in ${((performance.now() - t1) / 1000).toFixed(1)} s: ` +
        `test recall@20 ${(out.metrics['recall@20'] ?? Number.NaN).toFixed(4)}, ndcg@20 ${(out.metrics['ndcg@20'] ?? Number.NaN).toFixed(4)}`,
    );
    await store.setMeta(DEMO_META, marker);
    const counts = await store.counts();
    return { db, reused: false, ...counts, version: out.version, model: options.model, metrics: out.metrics };
  } finally {
    await store.close();
  }
}

/** One example request: what it shows, the curl line, and how to replay it. */
export interface Example {
  title: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  curl: string;
}

/** Example requests over the demo catalog's own ids. */
export async function demoExamples(base: string, demoDir: string, apiKey?: string): Promise<Example[]> {
  const first = (await readFile(join(demoDir, 'items.jsonl'), 'utf8')).split('\n')[0]!;
  const item = JSON.parse(first) as { id: string; text: { title: string }; categories: string[] };
  const user = JSON.parse((await readFile(join(demoDir, 'users.jsonl'), 'utf8')).split('\n')[0]!) as {
    id: string;
  };
  const key = apiKey ? ` -H 'X-API-Key: ${apiKey}'` : '';
  const get = (title: string, path: string): Example => ({
    title,
    method: 'GET',
    path,
    curl: `curl -s${key} '${base}${path}'`,
  });
  const post = (title: string, path: string, body: unknown): Example => ({
    title,
    method: 'POST',
    path,
    body,
    curl: `curl -s${key} -X POST '${base}${path}' -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`,
  });
  const words = item.text.title.split(' ')[0]!.toLowerCase();
  return [
    get('status', '/v1/status'),
    get(`recommendations for ${user.id}, explained`, `/v1/recommend/${user.id}?n=5&explain=true`),
    post(`a click: ${user.id} on ${item.id}`, '/v1/feedback', [
      { user: user.id, item: item.id, type: 'click' },
    ]),
    get('the next list reflects it at once', `/v1/recommend/${user.id}?n=5`),
    get(`items like ${item.id}`, `/v1/items/${item.id}/similar?n=5`),
    get(`text search "${words}"`, `/v1/search?q=${encodeURIComponent(words)}&n=5`),
    post('an anonymous session', '/v1/session/recommend', {
      feedback: [{ item: item.id, type: 'click' }],
      n: 5,
    }),
    post('a new item, recommendable at once from its content', '/v1/items', [
      {
        id: 'demo-new-item',
        text: { title: `${item.text.title} (new edition)` },
        categories: item.categories,
      },
    ]),
    get(`Gorse API: recommendations for ${user.id}`, `/api/recommend/${user.id}?n=5`),
    get(`Gorse API: neighbours of ${item.id}`, `/api/item/${item.id}/neighbors?n=5`),
    get('model versions', '/v1/models'),
  ];
}

/** Replays the examples against a server; returns the failures (empty when all answered 2xx). */
export async function checkExamples(
  base: string,
  examples: readonly Example[],
  apiKey?: string,
): Promise<string[]> {
  const failures: string[] = [];
  for (const e of examples) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers['x-api-key'] = apiKey;
    const res = await fetch(`${base}${e.path}`, {
      method: e.method,
      headers,
      ...(e.body === undefined ? {} : { body: JSON.stringify(e.body) }),
    });
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 300) failures.push(`${e.method} ${e.path}: HTTP ${res.status}`);
  }
  return failures;
}
