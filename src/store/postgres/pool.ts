/**
 * @module store/postgres/pool
 * Loads node-postgres (`pg`, which ships no TypeScript types) and types the slice of its API the
 * PostgreSQL store uses; parses a store URL (`postgres://user@host:5432/db?schema=fr_abc`: the
 * `schema` parameter names the PostgreSQL schema the store lives in, default `public`) into pool
 * settings with that schema as the search path; runs a function in one transaction on one pooled
 * connection. `pg` was chosen over postgres.js by bench/pg-clients.ts (see docs/ARCHITECTURE.md).
 */
import { createRequire } from 'node:module';
import { InvalidArgumentError, UnavailableError } from '../../errors.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** Something that runs a parameterised query: the pool or one checked-out connection. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface PoolClient extends Queryable {
  /** Returns the connection to the pool; with an error, the pool closes it instead. */
  release(err?: Error | boolean): void;
}

export interface Pool extends Queryable {
  connect(): Promise<PoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PoolConfig {
  connectionString: string;
  /** Startup options (`-c search_path=…`). */
  options?: string;
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  application_name?: string;
}

const require = createRequire(import.meta.url);

/** A new connection pool (no connection is made until the first query). */
export function createPool(config: PoolConfig): Pool {
  const pg = require('pg') as { Pool: new (config: PoolConfig) => Pool };
  return guarded(new pg.Pool(config));
}

/** Node socket errors and SQLSTATE classes that mean "the database cannot be reached now". */
const UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/;
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;

/** Whether `err` says the database is unreachable or going away (not a problem with the query). */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNREACHABLE.test(code) || UNAVAILABLE_STATES.test(code))) return true;
  const msg = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
}

function unavailable(err: unknown): unknown {
  if (!isUnavailable(err) || err instanceof UnavailableError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new UnavailableError(`the database is unavailable (${why}); nothing was written, retry later`, {
    cause: err,
  });
}

/** The pool with connection failures reported as UnavailableError (HTTP 503), on queries and checkouts. */
function guarded(pool: Pool): Pool {
  const listening = new WeakSet<object>();
  const wrapClient = (c: PoolClient): PoolClient => {
    // A checked-out connection that dies between queries emits 'error'; without a listener that
    // would be an uncaught exception ending the process. Its next query rejects (as Unavailable).
    if (!listening.has(c)) {
      listening.add(c);
      (c as unknown as { on(e: 'error', l: (err: Error) => void): unknown }).on('error', () => {});
    }
    return wrapped(c);
  };
  const wrapped = (c: PoolClient): PoolClient => ({
    query: <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
      c.query<R>(sql, params).catch((err: unknown) => Promise.reject(unavailable(err))),
    release: (err) => c.release(err),
  });
  return {
    query: <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
      pool.query<R>(sql, params).catch((err: unknown) => Promise.reject(unavailable(err))),
    connect: () => pool.connect().then(wrapClient, (err) => Promise.reject(unavailable(err))),
    end: () => pool.end(),
    on: (event, listener) => pool.on(event, listener),
  };
}

/** What a store URL names. */
export interface PostgresTarget {
  /** The URL without the `schema` parameter, as the client takes it. */
  connectionString: string;
  /** The PostgreSQL schema the store's tables live in. */
  schema: string;
  /** The URL to show (password removed, schema kept). */
  display: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parses `postgres://…` / `postgresql://…` with an optional `?schema=name` (lower-case identifier). */
export function parsePostgresUrl(url: string): PostgresTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new InvalidArgumentError(`store URL "${url}" is not a valid postgres:// URL`, { cause: err });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new InvalidArgumentError(`store URL "${url}" is not a postgres:// or postgresql:// URL`);
  }
  const schema = u.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidArgumentError(
      `store URL "${url}": schema "${schema}" is not a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)`,
    );
  }
  u.searchParams.delete('schema');
  const connectionString = u.toString();
  const shown = new URL(u.toString());
  shown.password = '';
  shown.searchParams.set('schema', schema);
  return { connectionString, schema, display: shown.toString() };
}

/**
 * Runs `fn` inside BEGIN … COMMIT on one connection; rolls back and rethrows when it throws. A
 * connection whose rollback fails is closed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, fn: (c: Queryable) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await c.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    c.release(broken);
  }
}

/** The SQLSTATE of a PostgreSQL error (e.g. "23505" for a unique violation), if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
