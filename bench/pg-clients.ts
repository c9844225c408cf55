/**
 * Which PostgreSQL client the store uses: `pg` (node-postgres) against `postgres` (porsager's
 * postgres.js), on the queries the PostgreSQL store makes. Each client gets one connection to the
 * same server and a schema of its own; every figure is the median of `--reps` runs:
 * - single-row INSERT latency (autocommit; median and p99 over `--singles` inserts);
 * - 10,000 feedback rows in one transaction, as 10,000 parameterised INSERTs (awaited one by one,
 *   and, for postgres.js, issued together so that it pipelines them) and as one INSERT … SELECT
 *   FROM unnest($1::text[], …) with five array parameters;
 * - SELECT of 100,000 feedback rows into objects;
 * - an 8 MB bytea written and read back (compared byte for byte).
 * Prints a table and writes bench/results/pg-clients.json. Needs PostgreSQL at `--url` and both
 * clients installed (`npm install --no-save pg postgres`); the one the store does not use is not a
 * dependency, so both are loaded by name at run time.
 *
 *   node --import tsx bench/pg-clients.ts [--url postgres://postgres@127.0.0.1:5432/test] [--reps 5]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { textTable } from '../src/experiment/report.js';
import { argValue, median } from './args.js';

const url = argValue('url', 'postgres://postgres@127.0.0.1:5432/test');
const reps = Number(argValue('reps', '5'));
const singles = Number(argValue('singles', '1000'));
const BATCH = 10_000;
const SELECT_ROWS = 100_000;
const BYTEA = 8 * 1024 * 1024;

interface Feedback {
  user: string;
  item: string;
  type: string;
  value: number;
  timestamp: number;
}

/** What each client is asked to do (the same SQL for both). */
interface Bench {
  name: string;
  version: string;
  exec(sql: string): Promise<void>;
  insertOne(f: Feedback): Promise<void>;
  batchLoop(rows: readonly Feedback[]): Promise<void>;
  batchPipelined?(rows: readonly Feedback[]): Promise<void>;
  batchUnnest(rows: readonly Feedback[]): Promise<void>;
  selectAll(): Promise<number>;
  bytea(data: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

const INSERT = 'INSERT INTO feedback ("user", item, type, value, timestamp) VALUES ($1, $2, $3, $4, $5)';
const UNNEST =
  'INSERT INTO feedback ("user", item, type, value, timestamp) ' +
  'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[])';
const columns = (rows: readonly Feedback[]) => [
  rows.map((r) => r.user),
  rows.map((r) => r.item),
  rows.map((r) => r.type),
  rows.map((r) => r.value),
  rows.map((r) => r.timestamp),
];
const params = (f: Feedback) => [f.user, f.item, f.type, f.value, f.timestamp];

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

function pgBench(schema: string): Bench {
  const pg = require('pg') as { Client: new (o: object) => PgClient };
  const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  let connected = false;
  const q = async (sql: string, p?: unknown[]) => {
    if (!connected) {
      await c.connect();
      connected = true;
    }
    return c.query(sql, p);
  };
  return {
    name: 'pg',
    version: versionOf('pg'),
    exec: async (sql) => {
      await q(sql);
    },
    insertOne: async (f) => {
      await q(INSERT, params(f));
    },
    batchLoop: async (rows) => {
      await q('BEGIN');
      for (const f of rows) await q(INSERT, params(f));
      await q('COMMIT');
    },
    batchUnnest: async (rows) => {
      await q('BEGIN');
      await q(UNNEST, columns(rows));
      await q('COMMIT');
    },
    selectAll: async () => (await q('SELECT "user", item, type, value, timestamp FROM feedback')).rows.length,
    bytea: async (data) => {
      await q(
        'INSERT INTO blobs (id, data) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
        [data],
      );
      return (await q('SELECT data FROM blobs WHERE id = 1')).rows[0]!.data as Buffer;
    },
    close: async () => {
      if (connected) await c.end();
    },
  };
}

type Sql = ((strings: TemplateStringsArray, ...v: unknown[]) => Promise<unknown[]>) & {
  unsafe(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  begin<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  end(): Promise<void>;
};

function postgresBench(schema: string): Bench {
  const postgres = require('postgres') as (url: string, o: object) => Sql;
  const sql = postgres(url, { max: 1, connection: { search_path: schema }, onnotice: () => {} });
  return {
    name: 'postgres',
    version: versionOf('postgres'),
    exec: async (s) => {
      await sql.unsafe(s);
    },
    insertOne: async (f) => {
      await sql.unsafe(INSERT, params(f));
    },
    batchLoop: async (rows) => {
      await sql.begin(async (tx) => {
        for (const f of rows) await tx.unsafe(INSERT, params(f));
      });
    },
    batchPipelined: async (rows) => {
      await sql.begin(async (tx) => {
        await Promise.all(rows.map((f) => tx.unsafe(INSERT, params(f))));
      });
    },
    batchUnnest: async (rows) => {
      await sql.begin(async (tx) => {
        await tx.unsafe(UNNEST, columns(rows));
      });
    },
    selectAll: async () =>
      (await sql.unsafe('SELECT "user", item, type, value, timestamp FROM feedback')).length,
    bytea: async (data) => {
      await sql.unsafe(
        'INSERT INTO blobs (id, data) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
        [data],
      );
      return (await sql.unsafe('SELECT data FROM blobs WHERE id = 1'))[0]!.data as Buffer;
    },
    close: () => sql.end(),
  };
}

const rowsOf = (n: number, tag: string): Feedback[] =>
  Array.from({ length: n }, (_, k) => ({
    user: `u${k % 5000}`,
    item: `${tag}-i${k % 20000}`,
    type: k % 3 === 0 ? 'like' : 'click',
    value: 1,
    timestamp: 1_700_000_000 + k,
  }));

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function run(make: (schema: string) => Bench): Promise<Record<string, number | string>> {
  const schema = `fr_bench_${randomBytes(4).toString('hex')}`;
  const admin = make('public');
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const b = make(schema);
  const reset = () =>
    b.exec(
      'DROP TABLE IF EXISTS feedback; CREATE TABLE feedback (id bigserial PRIMARY KEY, "user" text NOT NULL, ' +
        'item text NOT NULL, type text NOT NULL, value float8 NOT NULL, timestamp float8 NOT NULL)',
    );
  try {
    await reset();
    await b.exec('CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL)');
    // warm-up: connection, type lookups, statement cache
    for (let k = 0; k < 50; k++) await b.insertOne(rowsOf(1, 'w')[0]!);
    const lat: number[] = [];
    for (const f of rowsOf(singles, 's')) lat.push(await time(() => b.insertOne(f)));
    lat.sort((x, y) => x - y);
    const batch = rowsOf(BATCH, 'b');
    const loop: number[] = [];
    const piped: number[] = [];
    const unnest: number[] = [];
    for (let r = 0; r < reps; r++) {
      await reset();
      loop.push(await time(() => b.batchLoop(batch)));
      if (b.batchPipelined) {
        await reset();
        piped.push(await time(() => b.batchPipelined!(batch)));
      }
      await reset();
      unnest.push(await time(() => b.batchUnnest(batch)));
    }
    await reset();
    for (let k = 0; k < SELECT_ROWS / BATCH; k++) await b.batchUnnest(rowsOf(BATCH, `sel${k}`));
    const select: number[] = [];
    for (let r = 0; r < reps; r++) {
      let n = 0;
      select.push(
        await time(async () => {
          n = await b.selectAll();
        }),
      );
      if (n !== SELECT_ROWS) throw new Error(`${b.name}: selected ${n} rows, expected ${SELECT_ROWS}`);
    }
    const blob = randomBytes(BYTEA);
    const bytea: number[] = [];
    for (let r = 0; r < reps; r++) {
      let back: Buffer = Buffer.alloc(0);
      bytea.push(
        await time(async () => {
          back = await b.bytea(blob);
        }),
      );
      if (!blob.equals(back)) throw new Error(`${b.name}: the bytea came back different`);
    }
    return {
      client: `${b.name}@${b.version}`,
      insertP50Ms: median(lat),
      insertP99Ms: lat[Math.floor(lat.length * 0.99)]!,
      batchLoopMs: median(loop),
      batchPipelinedMs: piped.length > 0 ? median(piped) : Number.NaN,
      batchUnnestMs: median(unnest),
      select100kMs: median(select),
      bytea8MbMs: median(bytea),
    };
  } finally {
    await b.close();
    await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

const results = [await run(pgBench), await run(postgresBench)];
const f = (v: number | string | undefined, d = 2) =>
  typeof v === 'number' ? (Number.isNaN(v) ? '-' : v.toFixed(d)) : String(v ?? '-');
console.log(
  `PostgreSQL clients, ${url.replace(/\/\/[^@]*@/, '//')}, median of ${reps} runs (ms; latency over ${singles} inserts)\n`,
);
console.log(
  textTable(
    [
      'client',
      'insert p50',
      'insert p99',
      '10k loop tx',
      '10k pipelined tx',
      '10k unnest tx',
      'select 100k',
      'bytea 8 MB',
    ],
    results.map((r) => [
      String(r.client),
      f(r.insertP50Ms, 3),
      f(r.insertP99Ms, 3),
      f(r.batchLoopMs, 0),
      f(r.batchPipelinedMs, 0),
      f(r.batchUnnestMs, 1),
      f(r.select100kMs, 0),
      f(r.bytea8MbMs, 1),
    ]),
  ),
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/pg-clients.json',
  `${JSON.stringify({ url: url.replace(/\/\/[^@]*@/, '//'), reps, singles, node: process.version, results }, null, 2)}\n`,
);
