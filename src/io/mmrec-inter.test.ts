import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { datasetPath, hasDataset } from './data-root.js';
import { loadMmrecInter } from './mmrec-inter.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-inter-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inter(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('loadMmrecInter', () => {
  it('maps integer ids to themselves and keeps x_label', async () => {
    const file = await inter(
      'toy.inter',
      'userID\titemID\trating\tx_label\n2\t3\t1\t0\n0\t1\t4\t1\n2\t0\t1\t2\n',
    );
    const ds = await loadMmrecInter(file);
    expect(ds.name).toBe('toy');
    expect(ds.users.ids()).toEqual(['0', '1', '2']);
    expect(ds.items.ids()).toEqual(['0', '1', '2', '3']);
    expect(Array.from(ds.log.users)).toEqual([2, 0, 2]);
    expect(Array.from(ds.log.items)).toEqual([3, 1, 0]);
    expect(Array.from(ds.log.values)).toEqual([1, 4, 1]);
    expect(Array.from(ds.log.labels!)).toEqual([0, 1, 2]);
    const wider = await loadMmrecInter(file, { nItems: 6, name: 'x' });
    expect(wider.items.size).toBe(6);
    expect(wider.name).toBe('x');
  });

  it('accepts RecBole-typed headers and falls back to first appearance for other ids', async () => {
    const file = await inter(
      'rb.inter',
      'user_id:token\tuserID:token\titemID:token\ttimestamp:float\r\nx\tbob\tB7\t100\r\ny\tann\tA1\t200\r\n\r\n',
    );
    const ds = await loadMmrecInter(file);
    expect(ds.users.ids()).toEqual(['bob', 'ann']);
    expect(ds.items.ids()).toEqual(['B7', 'A1']);
    expect(Array.from(ds.log.timestamps)).toEqual([100, 200]);
    expect(ds.log.labels).toBeUndefined();
  });

  it('applies positive rules to the rating column', async () => {
    const file = await inter('r.inter', 'userID\titemID\trating\n0\t0\t5\n0\t1\t2\n1\t1\t4\n');
    const ds = await loadMmrecInter(file, { positive: ['rating>=4'] });
    expect(ds.log.length).toBe(2);
    expect(ds.users.size).toBe(2);
  });

  it('names file:line and field for malformed input', async () => {
    const cases: [string, string, number, string][] = [
      ['userID\titem\trating\n0\t0\t1\n', 'e1.inter', 1, 'itemID'],
      ['userID\titemID\tx_label\n0\t0\t0\n0\t1\t7\n', 'e2.inter', 3, 'x_label'],
      ['userID\titemID\trating\n0\t0\tgood\n', 'e3.inter', 2, 'rating'],
      ['userID\titemID\n0\t0\n1\n', 'e4.inter', 3, 'columns'],
      ['userID\titemID\n0\t\n', 'e5.inter', 2, 'itemID'],
      ['', 'e6.inter', 1, 'header'],
    ];
    for (const [text, name, line, field] of cases) {
      const file = await inter(name, text);
      const err = await loadMmrecInter(file).catch((e: Error) => e);
      expect(err, name).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(`${file}:${line}: field "${field}"`);
    }
  });

  const lfm = datasetPath('lastfm-2k-mm', 'mmrec', 'lfm2k.inter');
  if (!hasDataset('lastfm-2k-mm')) console.log(`skipping MMRec .inter data test: ${lfm} is absent`);
  it.skipIf(!hasDataset('lastfm-2k-mm'))('loads lastfm-2k-mm lfm2k.inter', async () => {
    const ds = await loadMmrecInter(lfm);
    expect(ds.name).toBe('lfm2k');
    expect(ds.log.length).toBe(56345);
    expect(ds.users.size).toBe(1858);
    expect(ds.items.size).toBe(1425);
    expect(ds.items.raw(1424)).toBe('1424');
    const counts = [0, 0, 0];
    for (const l of ds.log.labels!) counts[l]!++;
    expect(counts).toEqual([44327, 4799, 7219]);
  });
});
