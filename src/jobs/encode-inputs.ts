/**
 * @module jobs/encode-inputs
 * What the encode job feeds an encoder for each catalog item and modality: the item's text
 * (its text fields joined: title, description, then the others), or its media file read and
 * hashed. A reference that is absent makes the modality missing for that item; a reference that
 * cannot be honoured (no such file, unreadable, empty, a URL while fetching is off) makes it
 * failed, with the reason. Everything stays offline unless `allowRemote` is set.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/dataset.js';
import type { Item } from '../data/types.js';
import { hashBytes, hashText } from '../encoders/cache.js';
import type { EncoderInput, MediaKind } from '../encoders/encoder.js';
import { describeError } from '../errors.js';

/** One item's prepared input for one modality. */
export type PreparedInput =
  | { state: 'ready'; input: EncoderInput; hash: string }
  | { state: 'missing' }
  | { state: 'failed'; reason: string };

/** Options of {@link prepareInputs}. */
export interface PrepareOptions {
  /** Fetch http(s) media (default false: such items fail with "remote media not fetched"). */
  allowRemote?: boolean;
  /** The fetch to use when allowed (default: the global fetch). */
  fetch?: typeof fetch;
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Called as items are prepared. */
  onProgress?: (done: number, total: number) => void;
}

/** The text fields of an item joined by newlines: title, description, then the others in order. */
export function itemText(item: Item): string {
  const keys = Object.keys(item.text);
  const order = [
    ...['title', 'description'].filter((k) => keys.includes(k)),
    ...keys.filter((k) => k !== 'title' && k !== 'description'),
  ];
  return order
    .map((k) => (item.text[k] ?? '').trim())
    .filter((t) => t !== '')
    .join('\n');
}

/** The reason a file read failed, in words. */
function readFailure(path: string, err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return `file not found: ${path}`;
  if (code === 'EISDIR') return `not a file: ${path}`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${path}`;
  return `cannot read ${path}: ${describeError(err)}`;
}

async function prepareMedia(
  id: string,
  ref: string,
  catalogDir: string,
  o: PrepareOptions,
): Promise<PreparedInput> {
  if (/^https?:\/\//i.test(ref)) {
    if (!o.allowRemote) return { state: 'failed', reason: `remote media not fetched (offline): ${ref}` };
    try {
      const res = await (o.fetch ?? fetch)(ref);
      if (!res.ok) return { state: 'failed', reason: `fetching ${ref}: HTTP ${res.status}` };
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length === 0) return { state: 'failed', reason: `empty response: ${ref}` };
      return { state: 'ready', input: { id, bytes }, hash: hashBytes(bytes) };
    } catch (err) {
      return { state: 'failed', reason: `fetching ${ref}: ${describeError(err)}` };
    }
  }
  let path: string;
  if (/^file:/i.test(ref)) {
    try {
      path = fileURLToPath(ref);
    } catch (err) {
      return { state: 'failed', reason: `bad file URL ${ref}: ${describeError(err)}` };
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(ref)) {
    return { state: 'failed', reason: `unsupported URL scheme: ${ref}` };
  } else {
    path = isAbsolute(ref) ? ref : resolve(catalogDir, ref);
  }
  try {
    const bytes = await readFile(path);
    if (bytes.length === 0) return { state: 'failed', reason: `empty file: ${path}` };
    return { state: 'ready', input: { id, path }, hash: hashBytes(bytes) };
  } catch (err) {
    return { state: 'failed', reason: readFailure(path, err) };
  }
}

/** Prepares every item of `ds` (row i = item index i) for modality `kind`. */
export async function prepareInputs(
  ds: Dataset,
  kind: MediaKind,
  catalogDir: string,
  o: PrepareOptions = {},
): Promise<PreparedInput[]> {
  const n = ds.items.size;
  const out: PreparedInput[] = new Array(n);
  let done = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const item = ds.catalog?.[i];
      if (!item) out[i] = { state: 'missing' };
      else if (kind === 'text') {
        const text = itemText(item);
        out[i] =
          text === ''
            ? { state: 'missing' }
            : { state: 'ready', input: { id: item.id, text }, hash: hashText(text) };
      } else {
        const ref = (kind === 'image' ? item.image : item.audio)?.trim();
        out[i] = ref ? await prepareMedia(item.id, ref, catalogDir, o) : { state: 'missing' };
      }
      done++;
      if (done % 256 === 0 || done === n) o.onProgress?.(done, n);
    }
  };
  const lanes = kind === 'text' ? 1 : Math.max(1, o.concurrency ?? 16);
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}
