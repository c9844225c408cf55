/**
 * @module store/sqlite/jobs
 * The durable job queue on SQLite (the `jobs` table, migration 3). A claim runs in one IMMEDIATE
 * transaction (the database's write lock is taken before the job is picked, so two processes
 * claiming at once are serialised and never get the same job): first the running jobs whose lease
 * expired with no attempts left are marked failed, then the oldest queued job, or running job with
 * an expired lease, is marked running by the claimer. Heartbeat, finish and release only touch a
 * job the caller still holds (running, same worker id). Times are this machine's clock (every
 * process on one SQLite file runs on the same machine).
 */
import {
  checkLease,
  checkNewJob,
  JOB_COLUMNS,
  type JobRow,
  jobLimit,
  LEASE_LOST,
  rowToJob,
} from '../job-rows.js';
import type { JobRecord, JobStatus, NewJob } from '../types.js';
import type { Database, Statement } from './driver.js';

const now = (): number => Date.now() / 1000;
const iso = (): string => new Date().toISOString();

export class SqliteJobs {
  private readonly st: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      insert: p(
        'INSERT INTO jobs (kind, params, status, dedupe_key, max_attempts, created_at) ' +
          `VALUES (?, ?, 'queued', ?, ?, ?) RETURNING ${JOB_COLUMNS}`,
      ),
      byDedupe: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE dedupe_key = ? AND status IN ('queued', 'running')`),
      failExpired: p(
        `UPDATE jobs SET status = 'failed', error = ? || ' ' || attempts || ' times', finished_at = ?, ` +
          `lease_until = NULL WHERE status = 'running' AND lease_until < ? AND attempts >= max_attempts`,
      ),
      pick: p(
        `SELECT id FROM jobs WHERE kind IN (SELECT value FROM json_each(?)) AND ` +
          `(status = 'queued' OR (status = 'running' AND lease_until < ?)) ORDER BY id LIMIT 1`,
      ),
      claim: p(
        `UPDATE jobs SET status = 'running', worker_id = ?, lease_until = ?, attempts = attempts + 1, ` +
          `started_at = COALESCE(started_at, ?) WHERE id = ? RETURNING ${JOB_COLUMNS}`,
      ),
      heartbeat: p(
        'UPDATE jobs SET lease_until = ?, progress = COALESCE(?, progress) ' +
          `WHERE id = ? AND worker_id = ? AND status = 'running'`,
      ),
      finish: p(
        'UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ?, lease_until = NULL ' +
          `WHERE id = ? AND worker_id = ? AND status = 'running'`,
      ),
      release: p(
        `UPDATE jobs SET status = 'queued', worker_id = NULL, lease_until = NULL, attempts = attempts - 1 ` +
          `WHERE id = ? AND worker_id = ? AND status = 'running'`,
      ),
      get: p(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`),
      list: p(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?`),
      listStatus: p(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?`,
      ),
    };
  }

  enqueue(job: NewJob): JobRecord {
    const maxAttempts = checkNewJob(job);
    return this.db
      .transaction(() => {
        if (job.dedupeKey !== undefined) {
          const found = this.st.byDedupe!.get(job.dedupeKey) as JobRow | undefined;
          if (found) return rowToJob(found);
        }
        const row = this.st.insert!.get(
          job.kind,
          JSON.stringify(job.params),
          job.dedupeKey ?? null,
          maxAttempts,
          iso(),
        ) as JobRow;
        return rowToJob(row);
      })
      .immediate();
  }

  claim(workerId: string, kinds: readonly string[], leaseSeconds: number): JobRecord | undefined {
    checkLease(leaseSeconds);
    if (kinds.length === 0) return undefined;
    return this.db
      .transaction(() => {
        const t = now();
        this.st.failExpired!.run(LEASE_LOST, iso(), t);
        const pick = this.st.pick!.get(JSON.stringify(kinds), t) as { id: number } | undefined;
        if (!pick) return undefined;
        return rowToJob(this.st.claim!.get(workerId, t + leaseSeconds, iso(), pick.id) as JobRow);
      })
      .immediate();
  }

  heartbeat(id: number, workerId: string, leaseSeconds: number, progress?: Record<string, unknown>): boolean {
    checkLease(leaseSeconds);
    const p = progress === undefined ? null : JSON.stringify(progress);
    return this.st.heartbeat!.run(now() + leaseSeconds, p, id, workerId).changes > 0;
  }

  finish(
    id: number,
    workerId: string,
    o: { status: 'done' | 'failed'; result?: Record<string, unknown>; error?: string },
  ): boolean {
    const result = o.result === undefined ? null : JSON.stringify(o.result);
    return this.st.finish!.run(o.status, result, o.error ?? null, iso(), id, workerId).changes > 0;
  }

  release(id: number, workerId: string): boolean {
    return this.st.release!.run(id, workerId).changes > 0;
  }

  get(id: number): JobRecord | undefined {
    const row = this.st.get!.get(id) as JobRow | undefined;
    return row ? rowToJob(row) : undefined;
  }

  list(o: { limit?: number; status?: readonly JobStatus[] } = {}): JobRecord[] {
    const rows = (
      o.status === undefined
        ? this.st.list!.all(jobLimit(o.limit))
        : this.st.listStatus!.all(JSON.stringify(o.status), jobLimit(o.limit))
    ) as JobRow[];
    return rows.map(rowToJob);
  }
}
