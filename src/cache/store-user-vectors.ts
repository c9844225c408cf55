/**
 * @module cache/store-user-vectors
 * User vectors kept in the data store itself (the single-process default): the store's
 * `user_vectors` table, which `deleteUser` already clears with the rest of the user.
 */
import type { Store } from '../store/types.js';
import type { UserVectorCache } from './types.js';

export class StoreUserVectors implements UserVectorCache {
  readonly kind = 'store';
  constructor(private readonly store: Store) {}

  put(user: string, version: number, vector: Float32Array): Promise<void> {
    return this.store.putUserVector(user, version, vector);
  }

  all(version: number): Promise<Map<string, Float32Array>> {
    return this.store.userVectors(version);
  }

  async forget(): Promise<void> {
    // the store's deleteUser removes the user's vectors in the same transaction
  }

  async close(): Promise<void> {}
}
