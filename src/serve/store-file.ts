/**
 * @module serve/store-file
 * Guards against the mistyped database path: opening a SQLite URL creates the file, so a typo in
 * `--db` would silently start an empty server. `requireExistingStore` refuses a SQLite file that
 * does not exist unless creating one was asked for (`--create`, `create: true`);
 * `removeNewStoreFiles` takes away what a failed command created (the database with its -wal and
 * -shm companions). In-memory and PostgreSQL URLs pass unchecked.
 */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError } from '../errors.js';
import { sqlitePath } from '../store/open.js';

/** The SQLite file a store URL names (absolute), or undefined for in-memory and other backends. */
export function storeFile(url: string): string | undefined {
  const path = sqlitePath(url);
  return path === undefined || path === ':memory:' ? undefined : resolve(path);
}

/** Throws NotFoundError naming the path and the flag when the URL's SQLite file is absent. */
export function requireExistingStore(url: string, create = false): void {
  const file = storeFile(url);
  if (create || file === undefined || existsSync(file)) return;
  throw new NotFoundError(
    `no database at ${file} (--db ${url}): check the path, or pass --create to start with a new, empty database`,
  );
}

/** Files of `paths` that do not exist now (to remove them again if the command fails). */
export function absentFiles(paths: readonly (string | undefined)[]): string[] {
  return paths.filter((p): p is string => p !== undefined && !existsSync(p));
}

/** Removes SQLite files (and their -wal, -shm, -journal companions) that a failed command created. */
export function removeNewStoreFiles(files: readonly string[]): void {
  for (const f of files)
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${f}${suffix}`, { force: true });
}
