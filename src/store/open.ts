/**
 * @module store/open
 * Chooses the store backend by URL, as Gorse's `data.Open` does: `sqlite://path/to.db` (relative or
 * absolute path), `sqlite::memory:` for a private in-memory database, or a bare `*.db`/`*.sqlite`
 * path, or `postgres://` / `postgresql://` (`?schema=name` picks the PostgreSQL schema, default
 * `public`). Other schemes (redis://, mysql://) are named as not supported for a store.
 */
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

const FORMS =
  'sqlite://<path>.db, sqlite::memory:, a path ending in .db/.sqlite, or postgres://user@host:5432/db[?schema=name]';

/** The SQLite file a URL names (":memory:" for in-memory), or undefined for other schemes. */
export function sqlitePath(url: string): string | undefined {
  if (url === 'sqlite::memory:' || url === 'sqlite://:memory:') return ':memory:';
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    if (path === '') throw new InvalidArgumentError(`store URL "${url}" names no file; expected ${FORMS}`);
    return path;
  }
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /\.(db|sqlite3?)$/i.test(url)) return url;
  return undefined;
}

/** Opens the store a URL names. */
export async function openStore(url: string): Promise<Store> {
  const path = sqlitePath(url);
  if (path !== undefined) return SqliteStore.open(path);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme !== undefined && /^postgres(ql)?$/i.test(scheme)) return PostgresStore.open(url);
  if (scheme !== undefined && /^(redis|mysql|mongodb)$/i.test(scheme)) {
    throw new NotSupportedError(`store backend "${scheme}" is not implemented yet; use ${FORMS}`);
  }
  throw new InvalidArgumentError(`store URL "${url}" is not valid; expected ${FORMS}`);
}
