/**
 * @module store/postgres/experiments
 * A/B experiments on PostgreSQL: experiment rows (created and stopped with their change record),
 * impressions and request-log rows written in batches (one INSERT … unnest per batch), attributed
 * clicks/conversions (duplicates of (impression, item, kind) ignored), and per-arm counts in total
 * and per time bucket.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import {
  type ImpressionRow as ArmImpressionRow,
  armBuckets,
  armCounts,
  type EventRow,
} from '../ab-counts.js';
import type {
  ArmBucket,
  ArmCounts,
  AttributedEvent,
  ExperimentArm,
  ExperimentRecord,
  Impression,
  RequestLogEntry,
} from '../types.js';
import { record } from './changes.js';
import { inTransaction, type Pool, type Queryable, sqlState } from './pool.js';
import { type ExperimentRow, type ImpressionRow, rowToExperiment, rowToImpression } from './rows.js';

const EXPERIMENT_COLUMNS = 'id, name, status, arms, created_at, stopped_at';

export async function createExperiment(
  pool: Pool,
  origin: string,
  e: { name: string; arms: ExperimentArm[]; id?: string },
): Promise<ExperimentRecord> {
  const id = e.id ?? randomUUID();
  try {
    return await inTransaction(pool, async (c) => {
      const { rows } = await c.query<ExperimentRow>(
        `INSERT INTO experiments (id, name, status, arms, created_at) VALUES ($1, $2, 'running', $3, $4) ` +
          `RETURNING ${EXPERIMENT_COLUMNS}`,
        [id, e.name, JSON.stringify(e.arms), new Date().toISOString()],
      );
      await record(c, origin, 'experiment', [id]);
      return rowToExperiment(rows[0]!);
    });
  } catch (err) {
    if (sqlState(err) === '23505') {
      throw new AlreadyExistsError(`an experiment named "${e.name}" (or with id "${id}") already exists`, {
        cause: err,
      });
    }
    throw err;
  }
}

export async function listExperiments(db: Queryable): Promise<ExperimentRecord[]> {
  const { rows } = await db.query<ExperimentRow>(
    `SELECT ${EXPERIMENT_COLUMNS} FROM experiments ORDER BY created_at, pos`,
  );
  return rows.map(rowToExperiment);
}

export async function getExperiment(db: Queryable, idOrName: string): Promise<ExperimentRecord | undefined> {
  const { rows } = await db.query<ExperimentRow>(
    `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1`,
    [idOrName],
  );
  return rows[0] ? rowToExperiment(rows[0]) : undefined;
}

export async function stopExperiment(
  pool: Pool,
  origin: string,
  idOrName: string,
): Promise<ExperimentRecord> {
  return inTransaction(pool, async (c) => {
    const e = await getExperiment(c, idOrName);
    if (!e) throw new NotFoundError(`unknown experiment "${idOrName}"`);
    const { rows } = await c.query<ExperimentRow>(
      `UPDATE experiments SET status = 'stopped', stopped_at = $1 WHERE id = $2 AND status = 'running' ` +
        `RETURNING ${EXPERIMENT_COLUMNS}`,
      [new Date().toISOString(), e.id],
    );
    if (rows[0] === undefined) return e;
    await record(c, origin, 'experiment', [e.id]);
    return rowToExperiment(rows[0]);
  });
}

/** Writes impressions in one statement (inside the caller's transaction). */
export async function writeImpressions(c: Queryable, imps: readonly Impression[]): Promise<void> {
  if (imps.length === 0) return;
  await c.query(
    'INSERT INTO impressions (id, user_id, experiment, arm, items, time) ' +
      'SELECT id, u, e, a, i::json, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) ' +
      'AS x(id, u, e, a, i, t)',
    [
      imps.map((i) => i.id),
      imps.map((i) => i.user),
      imps.map((i) => i.experiment ?? null),
      imps.map((i) => i.arm ?? null),
      imps.map((i) => JSON.stringify(i.items)),
      imps.map((i) => i.time),
    ],
  );
}

/** Writes request-log rows in one statement (inside the caller's transaction). */
export async function writeRequestLogs(c: Queryable, logs: readonly RequestLogEntry[]): Promise<void> {
  if (logs.length === 0) return;
  await c.query(
    'INSERT INTO request_log (time, method, route, status, ms, user_id) ' +
      'SELECT * FROM unnest($1::float8[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::text[])',
    [
      logs.map((l) => l.time),
      logs.map((l) => l.method),
      logs.map((l) => l.route),
      logs.map((l) => l.status),
      logs.map((l) => l.ms),
      logs.map((l) => l.user ?? null),
    ],
  );
}

export async function recentImpressions(db: Queryable, user: string, since: number): Promise<Impression[]> {
  const { rows } = await db.query<ImpressionRow>(
    'SELECT id, user_id, experiment, arm, items, time FROM impressions ' +
      'WHERE user_id = $1 AND experiment IS NOT NULL AND time >= $2 ORDER BY time DESC LIMIT 200',
    [user, since],
  );
  return rows.map(rowToImpression);
}

export async function addAttributedEvents(db: Queryable, events: readonly AttributedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    'INSERT INTO ab_events (impression, experiment, arm, user_id, item, kind, time) ' +
      'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[]) ' +
      'ON CONFLICT (impression, item, kind) DO NOTHING',
    [
      events.map((e) => e.impression),
      events.map((e) => e.experiment),
      events.map((e) => e.arm),
      events.map((e) => e.user),
      events.map((e) => e.item),
      events.map((e) => e.kind),
      events.map((e) => e.time),
    ],
  );
}

export async function experimentCounts(db: Queryable, experiment: string): Promise<ArmCounts[]> {
  const imps = await db.query<ArmImpressionRow>(
    'SELECT arm, COUNT(*)::int AS n FROM impressions WHERE experiment = $1 GROUP BY arm ORDER BY MIN(time), arm',
    [experiment],
  );
  const events = await db.query<EventRow>(
    'SELECT arm, kind, COUNT(DISTINCT impression)::int AS n FROM ab_events WHERE experiment = $1 GROUP BY arm, kind ' +
      'ORDER BY arm, kind',
    [experiment],
  );
  return armCounts(imps.rows, events.rows);
}

export async function experimentTimeseries(
  db: Queryable,
  experiment: string,
  bucketSeconds: number,
): Promise<ArmBucket[]> {
  // trunc, as SQLite's CAST(time / s AS INTEGER)
  const imps = await db.query<ArmImpressionRow & { b: number }>(
    'SELECT trunc(time / $1)::float8 AS b, arm, COUNT(*)::int AS n FROM impressions WHERE experiment = $2 GROUP BY 1, 2',
    [bucketSeconds, experiment],
  );
  const events = await db.query<EventRow & { b: number }>(
    'SELECT trunc(time / $1)::float8 AS b, arm, kind, COUNT(DISTINCT impression)::int AS n FROM ab_events ' +
      'WHERE experiment = $2 GROUP BY 1, 2, 3',
    [bucketSeconds, experiment],
  );
  return armBuckets(bucketSeconds, imps.rows, events.rows);
}

export async function userRequestLogCount(db: Queryable, user: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT COUNT(*)::int AS n FROM request_log WHERE user_id = $1',
    [user],
  );
  return rows[0]?.n ?? 0;
}
