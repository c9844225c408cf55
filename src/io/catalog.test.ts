import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../errors.js';
import { loadCatalog } from './catalog.js';

let root = '';
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-catalog-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a catalog folder with the given files and returns its path. */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = join(root, `c${n++}`);
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

const ITEMS = jsonl([
  { id: 'i1', text: { title: 'One', description: 'first' }, categories: ['rock'], vectors: { clip: [1, 2] } },
  {
    id: 'i2',
    image: 'images/i2.png',
    attributes: { year: 1999, live: true },
    timestamp: '2023-11-14T22:13:20Z',
  },
  { id: 'i3', audio: 'audio/i3.wav', vectors: { clip: [3, 4], mfcc: [0.5] } },
]);
const EVENTS = jsonl([
  { user: 'u1', item: 'i1', type: 'click' },
  { user: 'u2', item: 'i2', type: 'rating', value: 5, timestamp: 1700000000 },
  { user: 'u1', item: 'i2', type: 'view', timestamp: '2023-11-14T22:13:20Z' },
  { user: 'u3', item: 'i1', type: 'rating', value: 2 },
]);

async function loadError(dir: string, options = {}): Promise<Error> {
  return loadCatalog(dir, options).then(
    () => new Error('expected the import to fail'),
    (e: Error) => e,
  );
}

describe('loadCatalog (JSONL)', () => {
  it('loads items in catalog order, users by first appearance, and vectors as modalities', async () => {
    const dir = await folder({ 'items.jsonl': ITEMS, 'events.jsonl': EVENTS });
    const { dataset: ds, events } = await loadCatalog(dir);
    expect(ds.items.ids()).toEqual(['i1', 'i2', 'i3']);
    expect(ds.users.ids()).toEqual(['u1', 'u2', 'u3']);
    expect(events).toEqual({ total: 4, positive: 4, users: 3, items: 2 });
    expect(Array.from(ds.log.users)).toEqual([0, 1, 0, 2]);
    expect(Array.from(ds.log.items)).toEqual([0, 1, 1, 0]);
    expect(Array.from(ds.log.values)).toEqual([1, 5, 1, 2]);
    expect(Array.from(ds.log.timestamps)).toEqual([0, 1700000000, 1700000000, 0]);
    expect(ds.catalog?.[1]).toMatchObject({ image: 'images/i2.png', attributes: { year: 1999, live: true } });
    expect(ds.catalog?.[1]?.timestamp).toBe(1700000000);
    expect(ds.catalog?.[0]).toMatchObject({ text: { title: 'One' }, categories: ['rock'] });
    const clip = ds.modalities.find((m) => m.name === 'clip')!;
    expect(clip.dim).toBe(2);
    expect(Array.from(clip.data)).toEqual([1, 2, 0, 0, 3, 4]);
    expect(Array.from(clip.present)).toEqual([1, 0, 1]);
    expect(Array.from(ds.modalities.find((m) => m.name === 'mfcc')!.present)).toEqual([0, 0, 1]);
  });

  it('applies positive rules from fusionrec.json, overridden by options', async () => {
    const config = JSON.stringify({ name: 'tiny', positive: ['click', 'rating>=4'], extra: 1 });
    const dir = await folder({ 'items.jsonl': ITEMS, 'events.jsonl': EVENTS, 'fusionrec.json': config });
    const { dataset, events } = await loadCatalog(dir);
    expect(dataset.name).toBe('tiny');
    expect(events).toMatchObject({ total: 4, positive: 2 });
    expect(dataset.users.size).toBe(3);
    const over = await loadCatalog(dir, { positive: ['view'] });
    expect(over.events.positive).toBe(1);
    await expect(loadCatalog(dir, { positive: ['rating=>4'] })).rejects.toThrow(InvalidArgumentError);
    const bad = await folder({ 'events.jsonl': EVENTS, 'fusionrec.json': '{"positive": ["rating>>4"]}' });
    expect((await loadError(bad)).message).toContain('field "positive"');
  });

  it('works without a catalog, with users.jsonl giving user order and profiles', async () => {
    const users = jsonl([{ id: 'u9', attributes: { segment: 'new' } }, { id: 'u2' }]);
    const dir = await folder({ 'events.jsonl': EVENTS, 'users.jsonl': users });
    const { dataset, userProfiles } = await loadCatalog(dir);
    expect(dataset.catalog).toBeUndefined();
    expect(dataset.items.ids()).toEqual(['i1', 'i2']);
    expect(dataset.users.ids()).toEqual(['u9', 'u2', 'u1', 'u3']);
    expect(userProfiles).toEqual([
      { id: 'u9', attributes: { segment: 'new' } },
      { id: 'u2', attributes: {} },
      undefined,
      undefined,
    ]);
  });

  it('names file:line and field for malformed input', async () => {
    const cases: [Record<string, string>, string, number, string][] = [
      [{ 'items.jsonl': '{"id":"a"}\n{"id": "b",\n', 'events.jsonl': '' }, 'items.jsonl', 2, 'json'],
      [
        { 'items.jsonl': '{"id":"a","categories":[1]}\n', 'events.jsonl': '' },
        'items.jsonl',
        1,
        'categories',
      ],
      [
        { 'items.jsonl': '{"id":"a","text":{"title":3}}\n', 'events.jsonl': '' },
        'items.jsonl',
        1,
        'text.title',
      ],
      [{ 'items.jsonl': '{"id":"a"}\n\n{"id":"a"}\n', 'events.jsonl': '' }, 'items.jsonl', 3, 'id'],
      [{ 'items.jsonl': '{"title":"x"}\n', 'events.jsonl': '' }, 'items.jsonl', 1, 'id'],
      [{ 'items.jsonl': '[1,2]\n', 'events.jsonl': '' }, 'items.jsonl', 1, 'json'],
      [
        {
          'items.jsonl': '{"id":"a","vectors":{"v":[1,2]}}\n{"id":"b","vectors":{"v":[1]}}\n',
          'events.jsonl': '',
        },
        'items.jsonl',
        2,
        'vectors.v',
      ],
      [
        { 'items.jsonl': ITEMS, 'events.jsonl': '{"user":"u","item":"zz","type":"click"}\n' },
        'events.jsonl',
        1,
        'item',
      ],
      [
        { 'events.jsonl': '{"user":"u","item":"i","type":"click"}\n{"user":"u","item":"i"}\n' },
        'events.jsonl',
        2,
        'type',
      ],
      [{ 'events.jsonl': '{"user":"u","item":"i","type":"x","value":"5"}\n' }, 'events.jsonl', 1, 'value'],
      [
        { 'events.jsonl': '{"user":"u","item":"i","type":"x","timestamp":"yesterday"}\n' },
        'events.jsonl',
        1,
        'timestamp',
      ],
      [{ 'events.jsonl': '{"user":null,"item":"i","type":"x"}\n' }, 'events.jsonl', 1, 'user'],
      [
        { 'events.jsonl': '', 'users.jsonl': '{"id":"u","attributes":{"a":[1]}}\n' },
        'users.jsonl',
        1,
        'attributes.a',
      ],
    ];
    for (const [files, name, line, field] of cases) {
      const dir = await folder(files);
      const err = await loadError(dir);
      expect(err, `${name}:${line} ${field}`).toBeInstanceOf(InvalidInputError);
      expect(err.message).toContain(`${join(dir, name)}:${line}: field "${field}"`);
    }
  });

  it('requires events and rejects ambiguous files', async () => {
    expect(await loadError(await folder({ 'items.jsonl': ITEMS }))).toBeInstanceOf(NotFoundError);
    expect(await loadError(join(root, 'no-such-folder'))).toBeInstanceOf(NotFoundError);
    const both = await folder({ 'events.jsonl': EVENTS, 'events.csv': 'user,item,type\n' });
    expect((await loadError(both)).message).toContain('got both');
  });
});

describe('loadCatalog (CSV)', () => {
  const itemsCsv = [
    'id,title,text.lyrics,image,categories,timestamp,attr.year,attr.label,vec.clip',
    'a,Alpha,"la la, la",img/a.png,rock|pop,1700000000,1999,Sub Pop,"0.5 1.5"',
    'b,"Beta, the second",,,,,,,',
    'c,Gamma,,,jazz,,2001,,"[2,3]"',
  ].join('\n');

  it('reads items.csv columns and events.csv with optional value and timestamp', async () => {
    const events = 'user,item,type,value,timestamp\nu1,a,rating,4.5,2023-11-14T22:13:20Z\nu2,c,click,,\n';
    const dir = await folder({ 'items.csv': itemsCsv, 'events.csv': events });
    const { dataset: ds } = await loadCatalog(dir);
    expect(ds.items.ids()).toEqual(['a', 'b', 'c']);
    expect(ds.catalog?.[0]).toEqual({
      id: 'a',
      text: { title: 'Alpha', lyrics: 'la la, la' },
      image: 'img/a.png',
      categories: ['rock', 'pop'],
      attributes: { year: 1999, label: 'Sub Pop' },
      vectors: { clip: [0.5, 1.5] },
      timestamp: 1700000000,
    });
    expect(ds.catalog?.[1]).toMatchObject({
      text: { title: 'Beta, the second' },
      categories: [],
      attributes: {},
    });
    expect(Array.from(ds.modalities[0]!.present)).toEqual([1, 0, 1]);
    expect(Array.from(ds.log.values)).toEqual([4.5, 1]);
    expect(Array.from(ds.log.timestamps)).toEqual([1700000000, 0]);
  });

  it('names file:line and field for malformed CSV', async () => {
    const cases: [Record<string, string>, string, number, string][] = [
      [{ 'events.csv': 'user,item,type,value\nu1,a,click,1\nu1,b,click,lots\n' }, 'events.csv', 3, 'value'],
      [{ 'events.csv': 'user,item,value\nu1,a,1\n' }, 'events.csv', 1, 'type'],
      [{ 'events.csv': 'user,item,type\nu1,a,click\nu2,b\n' }, 'events.csv', 3, 'columns'],
      [{ 'events.csv': 'user,item,type\nu1,a,click\nu2,"b,click\n' }, 'events.csv', 3, 'csv'],
      [
        { 'items.csv': itemsCsv, 'events.csv': 'user,item,type\nu1,a,click\nu1,zz,click\n' },
        'events.csv',
        3,
        'item',
      ],
      [{ 'items.csv': 'title\nx\n', 'events.csv': 'user,item,type\n' }, 'items.csv', 1, 'id'],
      [
        { 'items.csv': 'id,vec.v\na,1 2\nb,1 x\n', 'events.csv': 'user,item,type\n' },
        'items.csv',
        3,
        'vec.v',
      ],
      [
        { 'items.csv': 'id,timestamp\na,soon\n', 'events.csv': 'user,item,type\n' },
        'items.csv',
        2,
        'timestamp',
      ],
    ];
    for (const [files, name, line, field] of cases) {
      const dir = await folder(files);
      const err = await loadError(dir);
      expect(err, `${name}:${line} ${field}`).toBeInstanceOf(InvalidInputError);
      expect(err.message).toContain(`${join(dir, name)}:${line}: field "${field}"`);
    }
  });
});
