/**
 * @module serve/stream/send
 * The producer side, for users and tests (`fusionrec stream-send`): JSON lines `{"id", "kind",
 * "data"}` checked as a worker will check them (serve/stream/events), then added to
 * `<prefix>events` with XADD (pipelined). A line without an `id` gets the SHA-256 of its text, so
 * sending the same file twice applies each event once. The same with redis-cli:
 * `XADD <prefix>events * id e-1 kind feedback data '{"user":"u1","item":"i1","type":"click"}'`.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeError, InvalidArgumentError, InvalidInputError, InvalidRequestError } from '../../errors.js';
import type { NumberedLine } from '../../io/lines.js';
import { parseStreamEntry } from './events.js';
import { streamKeys } from './keys.js';

/** The fields of one entry: id, kind, data (JSON text). */
export type EntryFields = { id: string; kind: string; data: string };

/** One JSON line as entry fields, checked (InvalidInputError at `file:line`). */
export function lineToEntry(text: string, file: string, line: number): EntryFields {
  const where = (field?: string) => ({ file, line, ...(field ? { field } : {}) });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidInputError(where(), 'expected a JSON object {"id", "kind", "data"}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidInputError(where(), 'expected a JSON object {"id", "kind", "data"}');
  }
  const o = v as Record<string, unknown>;
  if (o.id !== undefined && typeof o.id !== 'string')
    throw new InvalidInputError(where('id'), 'expected a string');
  const fields: EntryFields = {
    id: (o.id as string | undefined) ?? createHash('sha256').update(text).digest('hex').slice(0, 32),
    kind: String(o.kind ?? ''),
    data: JSON.stringify(o.data ?? null),
  };
  try {
    parseStreamEntry('0-0', fields);
  } catch (err) {
    const known = err instanceof InvalidRequestError || err instanceof InvalidInputError;
    throw new InvalidInputError(
      where(known ? err.field : undefined),
      known ? err.detail : describeError(err),
    );
  }
  return fields;
}

/**
 * Checks every line, then adds them in order to the stream of `cacheUrl` (nothing is sent when a
 * line is wrong). `maxLen` trims the stream to about that many entries.
 */
export async function sendEvents(
  cacheUrl: string,
  lines: AsyncIterable<NumberedLine>,
  file: string,
  options: { maxLen?: number } = {},
): Promise<{ stream: string; sent: number }> {
  const keys = streamKeys(cacheUrl);
  const entries: EntryFields[] = [];
  for await (const { line, text } of lines) {
    if (text.trim() !== '') entries.push(lineToEntry(text, file, line));
  }
  const redis = new Redis(keys.connect, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new InvalidArgumentError(`cannot reach the cache at ${keys.shown}: ${describeError(err)}`);
  }
  try {
    const trim = options.maxLen === undefined ? [] : ['MAXLEN', '~', options.maxLen];
    for (let k = 0; k < entries.length; k += 500) {
      const p = redis.pipeline();
      for (const e of entries.slice(k, k + 500)) {
        p.xadd(keys.stream, ...trim, '*', 'id', e.id, 'kind', e.kind, 'data', e.data);
      }
      for (const [err] of (await p.exec()) ?? []) if (err) throw err;
    }
    return { stream: keys.stream, sent: entries.length };
  } finally {
    redis.disconnect();
  }
}
