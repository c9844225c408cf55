/**
 * @module cache/types
 * The cache half of the store split (Gorse's `cache` beside its `data`): folded-in user vectors,
 * per (model version, user). They are derived data: a server re-solves a user's vector from the
 * user's history whenever it needs one (serve/foldin.ts), so losing the cache costs a fold-in,
 * never correctness. With one process they live in the data store (SQLite, as before); with a
 * Redis cache (`--cache redis://…`) in Redis hashes, so that N servers do not each write a row to
 * PostgreSQL for every feedback event.
 */

export interface UserVectorCache {
  /** "store" or the Redis URL (without credentials). */
  readonly kind: string;
  /** Remembers a user's folded-in vector for a model version (fire and forget for callers). */
  put(user: string, version: number, vector: Float32Array): Promise<void>;
  /** Every remembered vector of a version (at a snapshot's load). */
  all(version: number): Promise<Map<string, Float32Array>>;
  /** Forgets a user in every version (user deletion). */
  forget(user: string): Promise<void>;
  close(): Promise<void>;
}
