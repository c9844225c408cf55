import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { datasetPath, hasDataset } from './data-root.js';
import { readNpy, writeNpy } from './npy.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A hand-made .npy file with any header dict and payload. */
async function rawNpy(name: string, dict: string, payload: Buffer, major = 1): Promise<string> {
  const file = join(dir, name);
  const pre = major === 1 ? 10 : 12;
  const len = Math.ceil((pre + dict.length + 1) / 64) * 64 - pre;
  const header = Buffer.from(`${dict.padEnd(len - 1, ' ')}\n`, 'latin1');
  const head = Buffer.alloc(pre);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = major;
  if (major === 1) head.writeUInt16LE(len, 8);
  else head.writeUInt32LE(len, 8);
  await writeFile(file, Buffer.concat([head, header, payload]));
  return file;
}

describe('readNpy / writeNpy', () => {
  it('round-trips float32 and float64 (read as float32)', async () => {
    const f32 = join(dir, 'sub', 'a.npy');
    await writeNpy(f32, [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6.5]));
    expect(((await readFile(f32)).length - 24) % 64).toBe(0);
    const a = await readNpy(f32);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f64 = join(dir, 'b.npy');
    await writeNpy(f64, [4], Float64Array.from([0.1, -2, 3e10, 0]));
    const b = await readNpy(f64);
    expect(b.shape).toEqual([4]);
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(Array.from(b.data)).toEqual(Array.from(Float32Array.from([0.1, -2, 3e10, 0])));
  });

  it('reads version 2 headers', async () => {
    const payload = Buffer.from(Float32Array.from([7, 8]).buffer);
    const file = await rawNpy(
      'v2.npy',
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
      payload,
      2,
    );
    expect(await readNpy(file)).toEqual({ shape: [1, 2], data: Float32Array.from([7, 8]) });
  });

  it('rejects other dtypes, big-endian, Fortran order and truncated data, naming the file and field', async () => {
    const four = Buffer.alloc(8);
    const cases: [string, string, Buffer, string][] = [
      ['i4.npy', "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", four, 'dtype'],
      ['be.npy', "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", four, 'dtype'],
      ['fo.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", four, 'fortran_order'],
      ['short.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", four, 'data'],
      ['long.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", four, 'data'],
      ['nodict.npy', "{'descr': '<f4'}", four, 'header'],
    ];
    for (const [name, dict, payload, field] of cases) {
      const file = await rawNpy(name, dict, payload);
      const err = await readNpy(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
      expect((err as Error).message).toContain(`${file}: field "${field}"`);
    }
    const notNpy = join(dir, 'x.npy');
    await writeFile(notNpy, 'hello world, not numpy');
    await expect(readNpy(notNpy)).rejects.toThrow('field "magic"');
    await expect(readNpy(join(dir, 'missing.npy'))).rejects.toThrow(NotFoundError);
  });

  it('rejects a shape that does not match the data', async () => {
    await expect(writeNpy(join(dir, 'bad.npy'), [2, 2], new Float32Array(3))).rejects.toThrow(
      /holds 4 values/,
    );
  });

  const lastfm = 'lastfm-2k-mm';
  if (!hasDataset(lastfm)) console.log(`skipping .npy data tests: ${datasetPath(lastfm)} is absent`);
  it.skipIf(!hasDataset(lastfm))('reads the lastfm-2k-mm feature files', async () => {
    const expected: [string, number][] = [
      ['vggish.npy', 128],
      ['whisper.npy', 512],
      ['all-MiniLM-L6-v2.npy', 384],
    ];
    for (const [name, dim] of expected) {
      const a = await readNpy(datasetPath(lastfm, 'features', name));
      expect(a.shape).toEqual([1425, dim]);
      expect(a.data.length).toBe(1425 * dim);
      expect(a.data.every(Number.isFinite)).toBe(true);
      expect(a.data.some((v) => v !== 0)).toBe(true);
    }
    const raw = await readFile(datasetPath(lastfm, 'features', 'vggish.npy'));
    const start = raw.length - 1425 * 128 * 8;
    const vgg = await readNpy(datasetPath(lastfm, 'features', 'vggish.npy'));
    for (const k of [0, 1, 127, 128, 1425 * 128 - 1]) {
      expect(vgg.data[k]).toBe(Math.fround(raw.readDoubleLE(start + 8 * k)));
    }
  });
});
