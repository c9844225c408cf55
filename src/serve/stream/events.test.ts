import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { entryFields, parseStreamEntry } from './events.js';
import { entrySeconds, streamKeys } from './keys.js';
import { lineToEntry } from './send.js';

const entry = '1700000000123-0';

describe('stream events', () => {
  it('parses feedback (one row or several) with the entry time as the default timestamp', () => {
    const one = parseStreamEntry(entry, {
      id: 'e1',
      kind: 'feedback',
      data: JSON.stringify({ user: 'u', item: 'i', type: 'click' }),
    });
    expect(one).toEqual({
      id: 'e1',
      entry,
      kind: 'feedback',
      rows: [{ user: 'u', item: 'i', type: 'click', value: 1, timestamp: 1700000000.123 }],
    });
    const many = parseStreamEntry(entry, {
      id: 'e2',
      kind: 'feedback',
      data: JSON.stringify([
        { user: 'u', item: 'i', type: 'rating', value: 4, timestamp: 5 },
        { user: 'v', item: 'j', type: 'click', timestamp: '1970-01-01T00:00:10Z' },
      ]),
    });
    expect(many.kind === 'feedback' && many.rows.map((r) => [r.value, r.timestamp])).toEqual([
      [4, 5],
      [1, 10],
    ]);
  });

  it('parses items as POST /v1/items takes them, and deletes by id', () => {
    const it = parseStreamEntry(entry, {
      id: 'e3',
      kind: 'item',
      data: JSON.stringify({ id: 'lamp', text: { title: 'a lamp' }, categories: ['home'] }),
    });
    expect(it).toMatchObject({
      kind: 'item',
      items: [
        {
          id: 'lamp',
          text: { title: 'a lamp' },
          categories: ['home'],
          hidden: false,
          timestamp: 1700000000.123,
        },
      ],
    });
    expect(parseStreamEntry(entry, { id: 'e4', kind: 'item-delete', data: '{"id":"lamp"}' })).toMatchObject({
      kind: 'item-delete',
      item: 'lamp',
    });
    expect(parseStreamEntry(entry, { id: 'e5', kind: 'user-delete', data: '{"id":"u"}' })).toMatchObject({
      kind: 'user-delete',
      user: 'u',
    });
  });

  it('names the entry and the field of what is wrong', () => {
    const bad = (fields: Record<string, string>) => () => parseStreamEntry(entry, fields);
    expect(bad({ kind: 'feedback', data: '{}' })).toThrow(/stream entry 1700000000123-0: field "id"/);
    expect(bad({ id: 'x', kind: 'nope', data: '{}' })).toThrow(
      /field "kind": expected one of feedback, item/,
    );
    expect(bad({ id: 'x', kind: 'feedback', data: '{' })).toThrow(/field "data": expected JSON/);
    expect(bad({ id: 'x', kind: 'feedback', data: '{"user":"u","type":"t"}' })).toThrow(/field "data.item"/);
    expect(bad({ id: 'x', kind: 'feedback', data: '[{"user":"u","item":"i","type":"t"},{}]' })).toThrow(
      /field "data\[1\]\.user"/,
    );
    expect(bad({ id: 'x', kind: 'item-delete', data: '{}' })).toThrow(InvalidInputError);
  });

  it('reads entry fields, keys and times', () => {
    expect(entryFields(['id', 'a', 'kind', 'feedback'])).toEqual({ id: 'a', kind: 'feedback' });
    expect(entrySeconds('1500-3')).toBe(1.5);
    expect(streamKeys('redis://h:1/2?prefix=shop:')).toMatchObject({
      stream: 'shop:events',
      rejected: 'shop:events:rejected',
      group: 'fusionrec-ingest',
    });
    expect(streamKeys('redis://h:1').stream).toBe('fusionrec:events');
  });

  it('checks producer lines, hashing the text of a line without an id', () => {
    const line = '{"kind":"feedback","data":{"user":"u","item":"i","type":"click"}}';
    const a = lineToEntry(line, 'ev.jsonl', 1);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(lineToEntry(line, 'ev.jsonl', 9).id).toBe(a.id);
    expect(() => lineToEntry('{"id":"x","kind":"feedback","data":{}}', 'ev.jsonl', 3)).toThrow(
      /ev\.jsonl:3: field "data.user"/,
    );
    expect(() => lineToEntry('[1]', 'ev.jsonl', 4)).toThrow(/ev\.jsonl:4: expected a JSON object/);
  });
});
