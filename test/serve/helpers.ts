/**
 * Shared pieces of the server's integration tests: a demo catalog imported into a real SQLite
 * file, and a small JSON client for a real server on a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../../src/demo/generate.js';
import { importCatalog } from '../../src/serve/ingest/import-catalog.js';
import { openStore } from '../../src/store/open.js';

export interface DemoDb {
  dir: string;
  catalog: string;
  db: string;
  cleanup(): void;
}

/** Generates a small demo catalog and imports it (built-in encoders) into `<dir>/shop.db`. */
export async function demoDb(
  options: { items?: number; users?: number; seed?: number } = {},
): Promise<DemoDb> {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-serve-'));
  const catalog = join(dir, 'catalog');
  await generateDemo(catalog, {
    items: options.items ?? 60,
    users: options.users ?? 80,
    seed: options.seed ?? 3,
  });
  const db = join(dir, 'shop.db');
  const store = await openStore(`sqlite://${db}`);
  try {
    await importCatalog(store, catalog, { workers: 1, cachePath: false });
  } finally {
    await store.close();
  }
  return { dir, catalog, db, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the tests' assertions
export type Json = any;

export interface Reply<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON client of one server. */
export function client(base: string, key?: string) {
  const call = async <T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> => {
    const h: Record<string, string> = { ...headers };
    if (key !== undefined) h['x-api-key'] = key;
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${path}`, {
      method,
      headers: h,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const ct = res.headers.get('content-type') ?? '';
    const parsed = ct.includes('json')
      ? await res.json()
      : ct.startsWith('text/')
        ? await res.text()
        : new Uint8Array(await res.arrayBuffer());
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = Json>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = Json>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    put: <T = Json>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('PUT', path, body, headers),
    patch: <T = Json>(path: string, body?: unknown) => call<T>('PATCH', path, body),
    del: <T = Json>(path: string) => call<T>('DELETE', path),
  };
}

/** Polls `check` until it returns a value (or times out). */
export async function until<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
