/**
 * @module jobs/encode
 * The encode job: turns a dataset's catalog into feature modalities ("text", "image", "audio";
 * row i = item index i, with a presence mask) using the chosen encoders, the feature cache and a
 * worker pool, and reports per modality what was encoded, reused from the cache, missing or
 * failed (with reasons). Items with the same content are encoded once. Encoders that fit (the
 * built-in text encoder) are fitted on every present item's input first, since their id, and so
 * the cache key, depends on the fit. `writeModalities` saves the outcome as `.npy` files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { FeatureCache } from '../encoders/cache.js';
import type { EncodeResult, Encoder, EncoderInput, MediaKind } from '../encoders/encoder.js';
import { encodeInPool, encodeSerial } from '../encoders/pool.js';
import { type EncoderOptions, getEncoderEntry } from '../encoders/registry.js';
import { writeNpy } from '../io/npy.js';
import { type FeatureModality, makeModality } from '../modalities/modality.js';
import { defaultWorkers } from '../util/workers.js';
import { type PreparedInput, prepareInputs } from './encode-inputs.js';

/** Which encoder to run for a modality: a registry name with options, or an encoder instance. */
export type EncoderChoice = { name: string; options?: EncoderOptions } | { encoder: Encoder };

/** Progress of one modality: phase "read" (reading and hashing media) or "encode". */
export interface EncodeProgressEvent {
  modality: MediaKind;
  phase: 'read' | 'encode';
  done: number;
  total: number;
}

/** Options of {@link encodeCatalog}. */
export interface EncodeCatalogOptions {
  text?: EncoderChoice;
  image?: EncoderChoice;
  audio?: EncoderChoice;
  /** SQLite feature cache file; without it (and without `cache`) nothing is cached. */
  cachePath?: string;
  /** An open cache to use instead of `cachePath` (left open). */
  cache?: FeatureCache;
  /** Worker threads for built-in encoders (default: the machine's cores; 1 = main thread). */
  workers?: number;
  /** Inputs per encode() call (default 32). */
  batchSize?: number;
  /** Fewest items to encode before threads are worth starting (default {@link DEFAULT_MIN_POOL_ITEMS}). */
  minPoolItems?: number;
  /** Fetch http(s) media (default false: offline, such items fail). */
  allowRemote?: boolean;
  /** The fetch used when allowRemote is set (default: the global fetch). */
  fetch?: typeof fetch;
  onProgress?: (event: EncodeProgressEvent) => void;
}

/** What happened to one modality. encoded + cached + missing + failed.length = items. */
export interface ModalityReport {
  encoder: string;
  dims: number;
  items: number;
  /** Items whose vector the encoder computed in this run. */
  encoded: number;
  /** Items whose vector came from the cache. */
  cached: number;
  /** Items without this modality (no text, no media reference). */
  missing: number;
  failed: { id: string; reason: string }[];
  /** Wall seconds for the modality (reading, fitting, cache, encoding). */
  seconds: number;
  /** Seconds spent in the encoder (fit and encode). */
  encodeSeconds: number;
  /** Items the encoder handled per second of encodeSeconds (0 when it handled none). */
  itemsPerSecond: number;
  /** Worker threads the encoder ran on (0: the main thread). */
  threads: number;
}

/** What {@link encodeCatalog} returns. */
export interface EncodeCatalogResult {
  modalities: FeatureModality[];
  report: Partial<Record<MediaKind, ModalityReport>>;
}

const KINDS: readonly MediaKind[] = ['text', 'image', 'audio'];

/**
 * Default fewest items per kind before the job starts worker threads. Starting two threads costs
 * about 1 s under tsx (less compiled) and each text worker regenerates its projection rows, so
 * the built-in text encoder (about 2,000 texts/s on one core) stays on the main thread for any
 * catalog we have met (bench/encoders.ts: 4,803 overviews 2.6 s on the main thread, 4.1 s on two
 * loaded threads); images gain from threads (9,517 posters: 21.9 s -> 17.3 s).
 */
export const DEFAULT_MIN_POOL_ITEMS: Readonly<Record<MediaKind, number>> = Object.freeze({
  text: 50_000,
  image: 1000,
  audio: 1000,
});

interface Unique {
  input: EncoderInput;
  items: number[];
}

async function makeEncoder(
  kind: MediaKind,
  choice: EncoderChoice,
): Promise<{ encoder: Encoder; pooled: boolean }> {
  if ('encoder' in choice) return { encoder: choice.encoder, pooled: false };
  const entry = getEncoderEntry(kind, choice.name);
  return { encoder: await entry.create(choice.options ?? {}), pooled: !entry.needsWeights };
}

async function encodeModality(
  ds: Dataset,
  kind: MediaKind,
  choice: EncoderChoice,
  catalogDir: string,
  cache: FeatureCache | undefined,
  o: EncodeCatalogOptions,
): Promise<{ modality: FeatureModality; report: ModalityReport }> {
  const t0 = performance.now();
  const n = ds.items.size;
  const progress = (phase: 'read' | 'encode') => (done: number, total: number) =>
    o.onProgress?.({ modality: kind, phase, done, total });
  const prepared: PreparedInput[] = await prepareInputs(ds, kind, catalogDir, {
    ...(o.allowRemote !== undefined ? { allowRemote: o.allowRemote } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    onProgress: progress('read'),
  });
  const failed: { id: string; reason: string }[] = [];
  const failedAt = new Map<number, string>();
  const byHash = new Map<string, Unique>();
  let missing = 0;
  prepared.forEach((p, i) => {
    if (p.state === 'missing') missing++;
    else if (p.state === 'failed') failedAt.set(i, p.reason);
    else {
      const u = byHash.get(p.hash);
      if (u) u.items.push(i);
      else byHash.set(p.hash, { input: p.input, items: [i] });
    }
  });
  const { encoder, pooled } = await makeEncoder(kind, choice);
  const te = performance.now();
  try {
    const unique = [...byHash.values()];
    if (encoder.fit) await encoder.fit(unique.map((u) => u.input));
    let encodeMs = performance.now() - te;
    const { id, dims } = encoder;
    const data = new Float32Array(n * dims);
    const present = new Uint8Array(n);
    const hit = cache ? cache.getMany(id, byHash.keys()) : new Map<string, Float32Array>();
    const todo: [string, Unique][] = [...byHash].filter(([h]) => hit.get(h)?.length !== dims);
    let cached = 0;
    for (const [h, u] of byHash) {
      const v = hit.get(h);
      if (v?.length !== dims) continue;
      for (const i of u.items) data.set(v, i * dims);
      for (const i of u.items) present[i] = 1;
      cached += u.items.length;
    }
    let encoded = 0;
    let threads = 0;
    if (todo.length > 0) {
      const inputs = todo.map(([, u]) => u.input);
      const workers = Math.max(1, o.workers ?? defaultWorkers());
      const t1 = performance.now();
      let r: EncodeResult;
      if (
        pooled &&
        workers > 1 &&
        inputs.length >= (o.minPoolItems ?? DEFAULT_MIN_POOL_ITEMS[kind]) &&
        !('encoder' in choice)
      ) {
        const exportState = (encoder as { exportState?: () => unknown }).exportState;
        threads = Math.min(workers, Math.ceil(inputs.length / (o.batchSize ?? 32)));
        r = await encodeInPool(inputs, {
          kind,
          name: choice.name,
          options: choice.options ?? {},
          ...(exportState ? { state: exportState.call(encoder) } : {}),
          workers,
          batchSize: o.batchSize ?? 32,
          expectId: id,
          onProgress: progress('encode'),
        });
      } else {
        r = await encodeSerial(encoder, inputs, o.batchSize ?? 32, progress('encode'));
      }
      encodeMs += performance.now() - t1;
      const fresh: [string, Float32Array][] = [];
      todo.forEach(([h, u], k) => {
        if (!r.ok[k]) {
          for (const i of u.items) failedAt.set(i, r.errors[k] ?? 'encoder gave no reason');
          return;
        }
        const v = r.vectors.slice(k * dims, (k + 1) * dims);
        fresh.push([h, v]);
        for (const i of u.items) {
          data.set(v, i * dims);
          present[i] = 1;
        }
        encoded += u.items.length;
      });
      if (cache && fresh.length > 0) cache.putMany(id, dims, fresh);
    }
    for (const [i, reason] of [...failedAt].sort((a, b) => a[0] - b[0]))
      failed.push({ id: ds.items.raw(i), reason });
    const seconds = (performance.now() - t0) / 1000;
    const handled = todo.reduce((a, [, u]) => a + u.items.length, 0);
    return {
      modality: makeModality(kind, n, dims, data, id, present),
      report: {
        encoder: id,
        dims,
        items: n,
        encoded,
        cached,
        missing,
        failed,
        seconds,
        encodeSeconds: encodeMs / 1000,
        itemsPerSecond: handled > 0 && encodeMs > 0 ? handled / (encodeMs / 1000) : 0,
        threads,
      },
    };
  } finally {
    if (!('encoder' in choice)) await encoder.dispose();
  }
}

/**
 * Encodes the catalog of `ds` with the chosen encoders. Media references are resolved against
 * `catalogDir` (absolute paths as they are; URLs only with `allowRemote`). Returns one modality
 * per chosen kind, named after it, and the report.
 */
export async function encodeCatalog(
  ds: Dataset,
  catalogDir: string,
  options: EncodeCatalogOptions = {},
): Promise<EncodeCatalogResult> {
  const own = !options.cache && options.cachePath ? FeatureCache.open(options.cachePath) : undefined;
  const cache = options.cache ?? own;
  const modalities: FeatureModality[] = [];
  const report: Partial<Record<MediaKind, ModalityReport>> = {};
  try {
    for (const kind of KINDS) {
      const choice = options[kind];
      if (!choice) continue;
      const r = await encodeModality(ds, kind, choice, catalogDir, cache, options);
      modalities.push(r.modality);
      report[kind] = r.report;
    }
  } finally {
    own?.close();
  }
  return { modalities, report };
}

/**
 * Writes `<name>.npy` per modality (items x dims, float32; rows of missing or failed items are
 * zero, which is how attachNpyModality reads absence), `items.json` (item ids in row order) and
 * `encode-report.json`. Returns the files written.
 */
export async function writeModalities(
  outDir: string,
  ds: Dataset,
  modalities: readonly FeatureModality[],
  report: Partial<Record<MediaKind, ModalityReport>>,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const summary: Record<string, unknown> = {};
  for (const m of modalities) {
    const file = join(outDir, `${m.name}.npy`);
    await writeNpy(file, [m.present.length, m.dim], m.data);
    files.push(file);
    summary[m.name] = {
      file: `${m.name}.npy`,
      dims: m.dim,
      present: m.present.reduce((a, b) => a + b, 0),
      encoder: m.source,
    };
  }
  const items = join(outDir, 'items.json');
  await writeFile(items, `${JSON.stringify(ds.items.ids())}\n`);
  const rep = join(outDir, 'encode-report.json');
  const body = { dataset: ds.name, source: ds.source, items: ds.items.size, modalities: summary, report };
  await writeFile(rep, `${JSON.stringify(body, null, 2)}\n`);
  files.push(items, rep);
  return files;
}
