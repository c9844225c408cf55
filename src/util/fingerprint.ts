/**
 * @module util/fingerprint
 * Short content hashes that tie saved models and reports to the exact data they came from.
 */
import { createHash } from 'node:crypto';
import type { Interactions } from '../data/interactions.js';

/** sha256 (16 hex chars) over a name and typed arrays. */
export function fingerprint(name: string, ...arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  h.update(name);
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** Fingerprint of a training matrix (shape and content). */
export function interactionsFingerprint(name: string, m: Interactions): string {
  return fingerprint(`${name}:${m.nUsers}x${m.nItems}`, m.indptr, m.indices);
}
