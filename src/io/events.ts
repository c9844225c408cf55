/**
 * @module io/events
 * Streaming readers of feedback events (`events.jsonl`, `events.csv`) in the generic catalog
 * format, validating each field and naming `file:line` and the field on error.
 */
import { extname } from 'node:path';
import type { FeedbackEvent } from '../data/types.js';
import { readCsv, requireColumns } from './csv.js';
import { fail, jsonId, jsonNumber, parseNumberText, parseTimestamp } from './fields.js';
import type { Located } from './items.js';
import { readJsonl } from './items.js';

function eventType(value: unknown, file: string, line: number): string {
  if (typeof value !== 'string' || value.trim() === '')
    fail({ file, line, field: 'type' }, 'a non-empty feedback type', value);
  return value.trim();
}

/**
 * Yields the events of `events.jsonl` or `events.csv` (chosen by extension). JSONL lines are
 * `{"user","item","type","value"?,"timestamp"?}`; CSV has the header `user,item,type[,value][,timestamp]`.
 * `value` defaults to 1, `timestamp` (unix seconds or ISO-8601) to 0.
 */
export async function* readEvents(file: string): AsyncGenerator<Located<FeedbackEvent>> {
  if (extname(file) === '.jsonl') {
    for await (const { line, value: o } of readJsonl(file)) {
      yield {
        line,
        value: {
          user: jsonId(o.user, { file, line, field: 'user' }),
          item: jsonId(o.item, { file, line, field: 'item' }),
          type: eventType(o.type, file, line),
          value: jsonNumber(o.value, { file, line, field: 'value' }, 1),
          timestamp: parseTimestamp(o.timestamp, { file, line, field: 'timestamp' }),
        },
      };
    }
    return;
  }
  let col = { user: -1, item: -1, type: -1, value: -1, timestamp: -1 };
  const records = readCsv(file, (h) => {
    requireColumns(h, file, ['user', 'item', 'type']);
    col = {
      user: h.indexOf('user'),
      item: h.indexOf('item'),
      type: h.indexOf('type'),
      value: h.indexOf('value'),
      timestamp: h.indexOf('timestamp'),
    };
  });
  for await (const { line, values } of records) {
    yield {
      line,
      value: {
        user: jsonId(values[col.user]!.trim(), { file, line, field: 'user' }),
        item: jsonId(values[col.item]!.trim(), { file, line, field: 'item' }),
        type: eventType(values[col.type], file, line),
        value: col.value < 0 ? 1 : parseNumberText(values[col.value]!, { file, line, field: 'value' }, 1),
        timestamp:
          col.timestamp < 0 ? 0 : parseTimestamp(values[col.timestamp]!, { file, line, field: 'timestamp' }),
      },
    };
  }
}
