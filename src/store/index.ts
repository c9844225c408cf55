/**
 * @module store
 * The serving store: the {@link Store} interface, {@link openStore} (backend chosen by URL) and
 * the media-root helpers.
 */
export { isRemoteRef, mediaContentType, normalizeMediaRef, resolveMediaPath } from './media.js';
export { openStore, sqlitePath } from './open.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export type * from './types.js';
