import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { datasetPath, hasDataset } from './data-root.js';
import { loadMmrecJson } from './mmrec-json.js';

let root = '';
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-mmjson-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function splits(train: string, val: string, test: string): Promise<string> {
  const dir = join(root, `s${n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'train.json'), train);
  await writeFile(join(dir, 'val.json'), val);
  await writeFile(join(dir, 'test.json'), test);
  return dir;
}

describe('loadMmrecJson', () => {
  it('reads the three splits with labels and numeric id maps', async () => {
    const dir = await splits('{"0": [2, 0], "1": [1]}', '{"0": [3]}', '{"3": [1]}');
    const ds = await loadMmrecJson(dir, { nItems: 5 });
    expect(ds.users.ids()).toEqual(['0', '1', '2', '3']);
    expect(ds.items.size).toBe(5);
    expect(Array.from(ds.log.users)).toEqual([0, 0, 1, 0, 3]);
    expect(Array.from(ds.log.items)).toEqual([2, 0, 1, 3, 1]);
    expect(Array.from(ds.log.labels!)).toEqual([0, 0, 0, 1, 2]);
  });

  it('names the file and the user key for malformed input', async () => {
    const cases: [string[], string, string, number][] = [
      [['{"0": [1], "5": [1, -2]}', '{}', '{}'], 'train.json', '5', 1],
      [['{}', '{"0": [1],\n "7": "x"}', '{}'], 'val.json', '7', 2],
      [['{}', '{}', '{"u1": [1]}'], 'test.json', 'u1', 1],
      [['{}', '{}', '{"1": [1.5]}'], 'test.json', '1', 1],
      [['[1, 2]', '{}', '{}'], 'train.json', 'json', 1],
      [['{"0": [1]', '{}', '{}'], 'train.json', 'json', 1],
    ];
    for (const [[a, b, c], name, field, line] of cases) {
      const dir = await splits(a!, b!, c!);
      const err = await loadMmrecJson(dir).catch((e: Error) => e);
      expect(err, `${name} ${field}`).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(`${join(dir, name)}:${line}: field "${field}"`);
    }
    await expect(loadMmrecJson(join(root, 'none'))).rejects.toThrow(NotFoundError);
  });

  const baby = 'amazon-baby-mmrec';
  if (!hasDataset(baby)) console.log(`skipping MMRec JSON data test: ${datasetPath(baby)} is absent`);
  it.skipIf(!hasDataset(baby))('loads amazon-baby-mmrec', async () => {
    const ds = await loadMmrecJson(datasetPath(baby));
    expect(ds.users.size).toBe(19445);
    expect(ds.items.size).toBe(7050);
    const counts = [0, 0, 0];
    for (const l of ds.log.labels!) counts[l]!++;
    expect(counts).toEqual([119674, 20559, 20559]);
  });
});
