/**
 * @module store/sqlite/driver
 * Loads better-sqlite3 (which ships no TypeScript types) and types the slice of its API the
 * SQLite store uses.
 */
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** A function wrapped in a transaction: BEGIN (deferred) by default, `immediate` takes the write lock first. */
export interface Transaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}

export interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
  readonly inTransaction: boolean;
}

type DatabaseConstructor = new (file: string, options?: { timeout?: number }) => Database;

const require = createRequire(import.meta.url);

/** Opens a database file (":memory:" for a private in-memory one). */
export function openDatabase(file: string): Database {
  const Ctor = require('better-sqlite3') as DatabaseConstructor;
  return new Ctor(file, { timeout: 10_000 });
}
