/**
 * @module store/postgres/models
 * Model versions on PostgreSQL: a version row with its id maps, its artifact files as bytea in
 * chunk rows of {@link FILE_CHUNK} bytes (no single giant row or parameter: a 200 MB artifact is
 * written as 200 rows and read back in groups of {@link READ_CHUNKS} chunks into one buffer
 * allocated once), activation of exactly one version, and folded-in user vectors.
 */
import { NotFoundError } from '../../errors.js';
import type { ArtifactFile, ModelIds, ModelVersion, ModelVersionDetail, NewModelVersion } from '../types.js';
import { record } from './changes.js';
import { inTransaction, type Pool, type Queryable } from './pool.js';
import { chunks, fromBytea, toBytea } from './rows.js';

/** Bytes per model_files row. */
export const FILE_CHUNK = 1 << 20;
/** Chunks fetched per query when reading a file back. */
const READ_CHUNKS = 16;
/** Model id-map rows per INSERT. */
const USER_ROWS = 10_000;

interface VersionRow {
  version: number;
  name: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  report: Record<string, unknown>;
  created_at: string;
  active: boolean;
}

const toVersion = (r: VersionRow): ModelVersion => ({
  version: r.version,
  name: r.name,
  params: r.params,
  metrics: r.metrics,
  createdAt: r.created_at,
  active: r.active,
});

export async function addModelVersion(pool: Pool, origin: string, v: NewModelVersion): Promise<number> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ version: number }>(
      'INSERT INTO model_versions (name, params, metrics, report, items, created_at) ' +
        'VALUES ($1, $2, $3, $4, $5, $6) RETURNING version',
      [
        v.name,
        JSON.stringify(v.params),
        JSON.stringify(v.metrics),
        JSON.stringify(v.report),
        JSON.stringify(v.items),
        new Date().toISOString(),
      ],
    );
    const version = rows[0]!.version;
    for (const [k, part] of chunks(v.users, USER_ROWS).entries()) {
      await c.query(
        'INSERT INTO model_users (version, user_id, row_index) ' +
          'SELECT $1, u, (o - 1 + $3)::int FROM unnest($2::text[]) WITH ORDINALITY AS t(u, o)',
        [version, part, k * USER_ROWS],
      );
    }
    for (const f of v.files) {
      const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
      const n = Math.max(1, Math.ceil(data.length / FILE_CHUNK));
      for (let k = 0; k < n; k++) {
        await c.query('INSERT INTO model_files (version, name, chunk, data) VALUES ($1, $2, $3, $4)', [
          version,
          f.name,
          k,
          data.subarray(k * FILE_CHUNK, (k + 1) * FILE_CHUNK),
        ]);
      }
    }
    await record(c, origin, 'model', [String(version)]);
    return version;
  });
}

export async function listModelVersions(db: Queryable): Promise<ModelVersion[]> {
  const { rows } = await db.query<VersionRow>(
    'SELECT version, name, params, metrics, created_at, active FROM model_versions ORDER BY version',
  );
  return rows.map(toVersion);
}

export async function getModelVersion(
  db: Queryable,
  version: number,
): Promise<ModelVersionDetail | undefined> {
  const { rows } = await db.query<VersionRow>(
    'SELECT version, name, params, metrics, report, created_at, active FROM model_versions WHERE version = $1',
    [version],
  );
  const r = rows[0];
  return r ? { ...toVersion(r), report: r.report } : undefined;
}

/** The artifact files of a version, by name, each reassembled from its chunk rows. */
export async function modelFiles(db: Queryable, version: number): Promise<ArtifactFile[]> {
  const { rows: files } = await db.query<{ name: string; chunks: number; bytes: number }>(
    'SELECT name, COUNT(*)::int AS chunks, SUM(length(data))::float8 AS bytes FROM model_files ' +
      'WHERE version = $1 GROUP BY name ORDER BY name',
    [version],
  );
  const out: ArtifactFile[] = [];
  for (const f of files) {
    const data = new Uint8Array(f.bytes);
    let at = 0;
    for (let from = 0; from < f.chunks; from += READ_CHUNKS) {
      const { rows } = await db.query<{ data: Buffer }>(
        'SELECT data FROM model_files WHERE version = $1 AND name = $2 AND chunk >= $3 AND chunk < $4 ORDER BY chunk',
        [version, f.name, from, from + READ_CHUNKS],
      );
      for (const r of rows) {
        data.set(r.data, at);
        at += r.data.length;
      }
    }
    out.push({ name: f.name, data });
  }
  return out;
}

export async function modelIds(db: Queryable, version: number): Promise<ModelIds> {
  const { rows } = await db.query<{ items: string[] }>(
    'SELECT items FROM model_versions WHERE version = $1',
    [version],
  );
  if (!rows[0]) throw new NotFoundError(`unknown model version ${version}`);
  const users = new Map<string, number>();
  const res = await db.query<{ user_id: string; row_index: number }>(
    'SELECT user_id, row_index FROM model_users WHERE version = $1 ORDER BY row_index',
    [version],
  );
  for (const u of res.rows) users.set(u.user_id, u.row_index);
  return { items: rows[0].items, users };
}

export async function activateModelVersion(pool: Pool, origin: string, version: number): Promise<void> {
  await inTransaction(pool, async (c) => {
    // every row is updated (and locked): concurrent activations run one after the other
    const r = await c.query('UPDATE model_versions SET active = (version = $1)', [version]);
    const { rows } = await c.query('SELECT 1 FROM model_versions WHERE version = $1', [version]);
    if (rows.length === 0 || r.rowCount === 0) throw new NotFoundError(`unknown model version ${version}`);
    await record(c, origin, 'model-activated', [String(version)]);
  });
}

export async function activeModelVersion(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query<{ version: number }>(
    'SELECT version FROM model_versions WHERE active ORDER BY version LIMIT 1',
  );
  return rows[0]?.version;
}

export async function putUserVector(
  db: Queryable,
  user: string,
  version: number,
  v: Float32Array,
): Promise<void> {
  await db.query(
    'INSERT INTO user_vectors (user_id, version, vector) VALUES ($1, $2, $3) ' +
      'ON CONFLICT (version, user_id) DO UPDATE SET vector = excluded.vector',
    [user, version, toBytea(v)],
  );
}

export async function userVectors(db: Queryable, version: number): Promise<Map<string, Float32Array>> {
  const { rows } = await db.query<{ user_id: string; vector: Buffer }>(
    'SELECT user_id, vector FROM user_vectors WHERE version = $1',
    [version],
  );
  return new Map(rows.map((r) => [r.user_id, fromBytea(r.vector)]));
}
