/**
 * @module io/items
 * Streaming readers of catalog items (`items.jsonl`, `items.csv`) and user profiles
 * (`users.jsonl`, `users.csv`), validating every field and naming `file:line` and the field on error.
 */
import { extname } from 'node:path';
import type { AttributeValue, Item, User } from '../data/types.js';
import { readCsv, requireColumns } from './csv.js';
import {
  attributeFromText,
  jsonAttribute,
  jsonId,
  jsonNumberArray,
  jsonObject,
  jsonString,
  jsonStringArray,
  parseJson,
  parseTimestamp,
  parseVectorText,
} from './fields.js';
import { readLines } from './lines.js';

/** A record read from a file with the line it came from. */
export interface Located<T> {
  line: number;
  value: T;
}

/** Parses one items.jsonl object; unknown keys are ignored. */
function itemFromJson(obj: Record<string, unknown>, file: string, line: number): Item {
  const at = (field: string) => ({ file, line, field });
  const item: Item = {
    id: jsonId(obj.id, at('id')),
    text: {},
    categories: [],
    attributes: {},
    vectors: {},
    timestamp: 0,
  };
  if (obj.text !== undefined) {
    for (const [k, v] of Object.entries(jsonObject(obj.text, at('text'))))
      item.text[k] = jsonString(v, at(`text.${k}`));
  }
  if (obj.image !== undefined) item.image = jsonString(obj.image, at('image'));
  if (obj.audio !== undefined) item.audio = jsonString(obj.audio, at('audio'));
  if (obj.categories !== undefined) item.categories = jsonStringArray(obj.categories, at('categories'));
  if (obj.attributes !== undefined) {
    for (const [k, v] of Object.entries(jsonObject(obj.attributes, at('attributes')))) {
      item.attributes[k] = jsonAttribute(v, at(`attributes.${k}`));
    }
  }
  if (obj.vectors !== undefined) {
    for (const [k, v] of Object.entries(jsonObject(obj.vectors, at('vectors')))) {
      item.vectors[k] = jsonNumberArray(v, at(`vectors.${k}`));
    }
  }
  item.timestamp = parseTimestamp(obj.timestamp, at('timestamp'));
  return item;
}

/** Yields the JSON object on each non-blank line of a JSONL file. */
export async function* readJsonl(file: string): AsyncGenerator<Located<Record<string, unknown>>> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    const value = parseJson(text, { file, line, field: 'json' });
    yield { line, value: jsonObject(value, { file, line, field: 'json' }) };
  }
}

type CsvSetter = (item: Item, text: string, file: string, line: number) => void;

/** How each items.csv column fills an Item; undefined for ignored columns. */
function itemColumn(name: string): CsvSetter | undefined {
  if (name === 'title' || name === 'description') {
    return (it, t) => {
      if (t !== '') it.text[name] = t;
    };
  }
  if (name.startsWith('text.')) {
    const key = name.slice(5);
    return (it, t) => {
      if (t !== '') it.text[key] = t;
    };
  }
  if (name === 'image' || name === 'audio') {
    return (it, t) => {
      if (t !== '') it[name] = t;
    };
  }
  if (name === 'categories') {
    return (it, t) => {
      it.categories = t
        .split('|')
        .map((c) => c.trim())
        .filter((c) => c !== '');
    };
  }
  if (name === 'timestamp')
    return (it, t, file, line) => (it.timestamp = parseTimestamp(t, { file, line, field: name }));
  if (name.startsWith('attr.')) {
    const key = name.slice(5);
    return (it, t) => {
      if (t !== '') it.attributes[key] = attributeFromText(t);
    };
  }
  if (name.startsWith('vec.')) {
    const key = name.slice(4);
    return (it, t, file, line) => {
      const v = parseVectorText(t, { file, line, field: name });
      if (v.length > 0) it.vectors[key] = v;
    };
  }
  return undefined;
}

/** Yields the items of `items.jsonl` or `items.csv` (by extension) with their line numbers. */
export async function* readItems(file: string): AsyncGenerator<Located<Item>> {
  if (extname(file) === '.jsonl') {
    for await (const { line, value } of readJsonl(file))
      yield { line, value: itemFromJson(value, file, line) };
    return;
  }
  let idCol = -1;
  let setters: (CsvSetter | undefined)[] = [];
  const records = readCsv(file, (h) => {
    requireColumns(h, file, ['id']);
    idCol = h.indexOf('id');
    setters = h.columns.map(itemColumn);
  });
  for await (const { line, values } of records) {
    const id = values[idCol]!.trim();
    const item: Item = {
      id: jsonId(id, { file, line, field: 'id' }),
      text: {},
      categories: [],
      attributes: {},
      vectors: {},
      timestamp: 0,
    };
    values.forEach((v, k) => {
      setters[k]?.(item, v, file, line);
    });
    yield { line, value: item };
  }
}

/** Yields the users of `users.jsonl` ({"id", "attributes"}) or `users.csv` (id, attr.<name>...). */
export async function* readUsers(file: string): AsyncGenerator<Located<User>> {
  if (extname(file) === '.jsonl') {
    for await (const { line, value } of readJsonl(file)) {
      const user: User = { id: jsonId(value.id, { file, line, field: 'id' }), attributes: {} };
      if (value.attributes !== undefined) {
        const attrs = jsonObject(value.attributes, { file, line, field: 'attributes' });
        for (const [k, v] of Object.entries(attrs)) {
          user.attributes[k] = jsonAttribute(v, { file, line, field: `attributes.${k}` });
        }
      }
      yield { line, value: user };
    }
    return;
  }
  let columns: string[] = [];
  let idCol = -1;
  for await (const { line, values } of readCsv(file, (h) => {
    requireColumns(h, file, ['id']);
    idCol = h.indexOf('id');
    columns = h.columns;
  })) {
    const attributes: Record<string, AttributeValue> = {};
    values.forEach((v, k) => {
      const name = columns[k]!;
      if (name.startsWith('attr.') && v !== '') attributes[name.slice(5)] = attributeFromText(v);
    });
    yield { line, value: { id: jsonId(values[idCol]!.trim(), { file, line, field: 'id' }), attributes } };
  }
}
