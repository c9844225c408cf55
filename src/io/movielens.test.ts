import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { EventSummary } from './build.js';
import { datasetPath, hasDataset } from './data-root.js';
import { loadMovieLens } from './movielens.js';

let root = '';
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-ml-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(root, `m${n++}`);
  await mkdir(dir);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

const flags = (on: number[]) => Array.from({ length: 19 }, (_, k) => (on.includes(k) ? '1' : '0')).join('|');
const U_ITEM = Buffer.from(
  [
    `1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|${flags([3, 4, 5])}`,
    `2|Café Society (1995)|01-Jan-1995|||${flags([8])}`,
    `3|unknown||||${flags([0])}`,
  ].join('\n'),
  'latin1',
);
const U_DATA = '196\t2\t3\t881250949\n186\t1\t5\t891717742\n196\t1\t4\t881251000\n';

describe('loadMovieLens (ml-100k)', () => {
  it('reads u.data and the latin-1 u.item with the standard genres', async () => {
    const dir = await folder({ 'u.data': U_DATA, 'u.item': U_ITEM });
    let summary: EventSummary | undefined;
    const ds = await loadMovieLens(dir, { onSummary: (s) => (summary = s) });
    expect(ds.items.ids()).toEqual(['1', '2', '3']);
    expect(ds.users.ids()).toEqual(['196', '186']);
    expect(ds.catalog?.[1]?.text.title).toBe('Café Society (1995)');
    expect(ds.catalog?.[0]?.categories).toEqual(['Animation', "Children's", 'Comedy']);
    expect(ds.catalog?.[0]?.attributes).toMatchObject({ year: 1995, releaseDate: '01-Jan-1995' });
    expect(ds.catalog?.[0]?.timestamp).toBe(Date.UTC(1995, 0, 1) / 1000);
    expect(ds.catalog?.[2]?.categories).toEqual(['unknown']);
    expect(Array.from(ds.log.values)).toEqual([3, 5, 4]);
    expect(Array.from(ds.log.timestamps)).toEqual([881250949, 891717742, 881251000]);
    expect(summary).toEqual({ total: 3, positive: 3, users: 2, items: 2 });
    const liked = await loadMovieLens(dir, { positive: ['rating>=4'] });
    expect(liked.log.length).toBe(2);
  });

  it('uses u.genre when present', async () => {
    const genres = Array.from({ length: 19 }, (_, k) => `g${k}|${k}`).join('\n');
    const dir = await folder({ 'u.data': U_DATA, 'u.item': U_ITEM, 'u.genre': `${genres}\n\n` });
    const ds = await loadMovieLens(dir);
    expect(ds.catalog?.[1]?.categories).toEqual(['g8']);
  });

  it('names file:line and field for malformed input', async () => {
    const cases: [Record<string, string | Buffer>, string, number, string][] = [
      [{ 'u.data': '1\t1\t5\t100\n1\t2\tfive\t100\n' }, 'u.data', 2, 'rating'],
      [{ 'u.data': '1\t1\t5\n' }, 'u.data', 1, 'columns'],
      [{ 'u.data': '1\t9\t5\t1\n', 'u.item': U_ITEM }, 'u.data', 1, 'item'],
      [{ 'u.data': U_DATA, 'u.item': '1|x|||\n' }, 'u.item', 1, 'columns'],
      [
        { 'u.data': U_DATA, 'u.item': `1|x||||${flags([]).replace(/^0/, '2')}\n` },
        'u.item',
        1,
        'genre unknown',
      ],
      [
        { 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,x,1\n' },
        'ratings.csv',
        3,
        'rating',
      ],
      [{ 'ratings.csv': 'userId,rating\n1,4\n' }, 'ratings.csv', 1, 'movieId'],
      [
        { 'ratings.csv': 'userId,movieId,rating\n1,7,4\n', 'movies.csv': 'movieId,title,genres\n1,A,B\n' },
        'ratings.csv',
        2,
        'item',
      ],
    ];
    for (const [files, name, line, field] of cases) {
      const dir = await folder(files);
      const err = await loadMovieLens(dir).catch((e: Error) => e);
      expect(err, `${name} ${field}`).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(`${join(dir, name)}:${line}: field "${field}"`);
    }
    await expect(loadMovieLens(await folder({}))).rejects.toThrow(NotFoundError);
  });
});

describe('loadMovieLens (ml-latest-small)', () => {
  const ml = 'ml-latest-small';
  if (!hasDataset(ml)) console.log(`skipping MovieLens data test: ${datasetPath(ml)} is absent`);
  it.skipIf(!hasDataset(ml))('loads ml-latest-small', async () => {
    let summary: EventSummary | undefined;
    const ds = await loadMovieLens(datasetPath(ml), { onSummary: (s) => (summary = s) });
    expect(ds.name).toBe('ml-latest-small');
    expect(ds.log.length).toBe(100836);
    expect(ds.users.size).toBe(610);
    expect(ds.items.size).toBe(9742);
    expect(summary).toEqual({ total: 100836, positive: 100836, users: 610, items: 9724 });
    const toy = ds.catalog?.[ds.items.index('1')];
    expect(toy).toMatchObject({ text: { title: 'Toy Story (1995)' }, attributes: { year: 1995 } });
    expect(toy?.categories).toEqual(['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy']);
    expect(ds.catalog?.every((it) => it !== undefined && !it.categories.includes('(no genres listed)'))).toBe(
      true,
    );
    const liked = await loadMovieLens(datasetPath(ml), { positive: ['rating>=4'] });
    expect(liked.log.length).toBe(Array.from(ds.log.values).filter((v) => v >= 4).length);
    expect(liked.users.size).toBe(610);
  });
});
