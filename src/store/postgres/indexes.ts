/**
 * @module store/postgres/indexes
 * Serving artifacts derived from a model version (its saved item index) on PostgreSQL: bytea chunk
 * rows of {@link FILE_CHUNK} bytes keyed by (version, kind, chunk), written in one transaction that
 * locks the version row (concurrent writers of one version run one after the other), read back in
 * one repeatable-read transaction (a reader never mixes the chunks of two writes).
 */
import { NotFoundError } from '../../errors.js';
import { FILE_CHUNK } from './models.js';
import { inTransaction, type Pool } from './pool.js';

/** Chunks fetched per query when reading an artifact back. */
const READ_CHUNKS = 16;

export async function putModelIndex(
  pool: Pool,
  version: number,
  kind: string,
  data: Uint8Array,
): Promise<void> {
  await inTransaction(pool, async (c) => {
    const { rows } = await c.query('SELECT 1 FROM model_versions WHERE version = $1 FOR UPDATE', [version]);
    if (rows.length === 0) throw new NotFoundError(`unknown model version ${version}`);
    await c.query('DELETE FROM model_indexes WHERE version = $1 AND kind = $2', [version, kind]);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const n = Math.max(1, Math.ceil(bytes.length / FILE_CHUNK));
    for (let k = 0; k < n; k++) {
      await c.query('INSERT INTO model_indexes (version, kind, chunk, data) VALUES ($1, $2, $3, $4)', [
        version,
        kind,
        k,
        bytes.subarray(k * FILE_CHUNK, (k + 1) * FILE_CHUNK),
      ]);
    }
  });
}

export async function getModelIndex(
  pool: Pool,
  version: number,
  kind: string,
): Promise<Uint8Array | undefined> {
  return inTransaction(pool, async (c) => {
    await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: sizes } = await c.query<{ chunks: number; bytes: number }>(
      'SELECT COUNT(*)::int AS chunks, COALESCE(SUM(length(data)), 0)::float8 AS bytes FROM model_indexes ' +
        'WHERE version = $1 AND kind = $2',
      [version, kind],
    );
    const { chunks, bytes } = sizes[0]!;
    if (chunks === 0) return undefined;
    const out = new Uint8Array(bytes);
    let at = 0;
    for (let from = 0; from < chunks; from += READ_CHUNKS) {
      const { rows } = await c.query<{ data: Buffer }>(
        'SELECT data FROM model_indexes WHERE version = $1 AND kind = $2 AND chunk >= $3 AND chunk < $4 ORDER BY chunk',
        [version, kind, from, from + READ_CHUNKS],
      );
      for (const r of rows) {
        out.set(r.data, at);
        at += r.data.length;
      }
    }
    return out;
  });
}
