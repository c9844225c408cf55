import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../demo/generate.js';
import { InvalidArgumentError } from '../../errors.js';
import { datasetPath, hasDataset } from '../../io/data-root.js';
import type { EncoderInput } from '../encoder.js';
import { createBuiltinImageEncoder, IMAGE_DIMS, IMAGE_LAYOUT } from './builtin.js';

let root = '';
let demo = '';
let items: { id: string; style: string }[] = [];
const inputs = (): EncoderInput[] =>
  items.map((it) => ({ id: it.id, path: join(demo, 'images', `${it.id}.png`) }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-img-'));
  demo = join(root, 'demo');
  await generateDemo(demo, { items: 40, users: 40, seed: 1 });
  items = JSON.parse(await readFile(join(demo, 'truth.json'), 'utf8')).items;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function row(v: Float32Array, b: number, dims = IMAGE_DIMS): Float32Array {
  return v.subarray(b * dims, (b + 1) * dims);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function png(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const img = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) img.data.set(pixel(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write(img);
}

describe('createBuiltinImageEncoder', () => {
  it('has a stable id, kind and layout, and rejects bad options', () => {
    const enc = createBuiltinImageEncoder();
    expect(enc.id).toBe('builtin-image:v1:size=64');
    expect(enc.kind).toBe('image');
    expect(enc.dims).toBe(282);
    expect(IMAGE_LAYOUT.map((b) => [b.name, b.dims])).toEqual([
      ['hsv-histogram', 72],
      ['lab-layout', 48],
      ['edge-orientation', 144],
      ['texture', 18],
    ]);
    expect(createBuiltinImageEncoder({ size: 32 }).id).toBe('builtin-image:v1:size=32');
    expect(() => createBuiltinImageEncoder({ size: 7 })).toThrow(InvalidArgumentError);
    expect(() => createBuiltinImageEncoder({ size: 64.5 })).toThrow(/size/);
  });

  it('gives finite, unit-norm vectors for every demo picture, deterministically', async () => {
    const enc = createBuiltinImageEncoder();
    const a = await enc.encode(inputs());
    expect(a.vectors.length).toBe(items.length * IMAGE_DIMS);
    expect(Array.from(a.ok)).toEqual(items.map(() => 1));
    expect(a.errors.every((e) => e === undefined)).toBe(true);
    for (let b = 0; b < items.length; b++) {
      const v = row(a.vectors, b);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(dot(v, v)).toBeCloseTo(1, 5);
      for (const block of IMAGE_LAYOUT) {
        expect(v.subarray(block.offset, block.offset + block.dims).some((x) => x !== 0)).toBe(true);
      }
    }
    const again = await createBuiltinImageEncoder().encode(inputs());
    expect(again.vectors).toEqual(a.vectors);
  });

  it('encodes a batch exactly as one item at a time, from a path or from bytes', async () => {
    const enc = createBuiltinImageEncoder();
    const batch = await enc.encode(inputs().slice(0, 8));
    for (const [b, input] of inputs().slice(0, 8).entries()) {
      const one = await enc.encode([input]);
      expect(one.vectors).toEqual(row(batch.vectors, b));
      const fromBytes = await enc.encode([{ id: input.id, bytes: await readFile(input.path!) }]);
      expect(fromBytes.vectors).toEqual(row(batch.vectors, b));
    }
  });

  it('puts pictures of one demo style closer together than pictures of different styles', async () => {
    const { vectors } = await createBuiltinImageEncoder().encode(inputs());
    let intra = 0;
    let inter = 0;
    let ni = 0;
    let nx = 0;
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        const c = dot(row(vectors, a), row(vectors, b));
        if (items[a]!.style === items[b]!.style) {
          intra += c;
          ni++;
        } else {
          inter += c;
          nx++;
        }
      }
    }
    console.log(
      `builtin image: mean cosine within style ${(intra / ni).toFixed(3)}, across ${(inter / nx).toFixed(3)}`,
    );
    expect(intra / ni).toBeGreaterThan(inter / nx + 0.2);
  });

  it('fails corrupt, empty, missing and pathless inputs with their reasons, and encodes the rest', async () => {
    const corrupt = join(root, 'corrupt.png');
    const empty = join(root, 'empty.png');
    await writeFile(corrupt, randomBytes(2048));
    await writeFile(empty, Buffer.alloc(0));
    const good = inputs().slice(0, 2);
    const batch: EncoderInput[] = [
      good[0]!,
      { id: 'corrupt', path: corrupt },
      { id: 'empty', path: empty },
      { id: 'missing', path: join(root, 'no-such-file.png') },
      { id: 'nothing' },
      { id: 'bad-bytes', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
      good[1]!,
    ];
    const r = await createBuiltinImageEncoder().encode(batch);
    expect(Array.from(r.ok)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect(r.errors[0]).toBeUndefined();
    expect(r.errors[1]).toMatch(/corrupt\.png: .*unsupported image format/);
    expect(r.errors[2]).toMatch(/empty\.png: file is empty/);
    expect(r.errors[3]).toMatch(/no-such-file\.png: .*ENOENT/);
    expect(r.errors[4]).toMatch(/item nothing: .*neither a path nor bytes/);
    expect(r.errors[5]).toMatch(/item bad-bytes: /);
    for (const b of [1, 2, 3, 4, 5]) expect(row(r.vectors, b).every((x) => x === 0)).toBe(true);
    const alone = await createBuiltinImageEncoder().encode(good);
    expect(row(r.vectors, 0)).toEqual(row(alone.vectors, 0));
    expect(row(r.vectors, 6)).toEqual(row(alone.vectors, 1));
  });

  it('flattens transparency onto white and accepts any size and aspect ratio', async () => {
    const enc = createBuiltinImageEncoder();
    const clear = png(40, 30, () => [200, 0, 0, 0]);
    const white = png(17, 90, () => [255, 255, 255, 255]);
    const r = await enc.encode([
      { id: 'clear', bytes: clear },
      { id: 'white', bytes: white },
    ]);
    expect(Array.from(r.ok)).toEqual([1, 1]);
    expect(dot(row(r.vectors, 0), row(r.vectors, 1))).toBeCloseTo(1, 5);
    // A stripe picture and its 90° rotation differ mostly in the edge-orientation block.
    const h = png(64, 64, (_x, y) => (y % 8 < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const v = png(64, 64, (x) => (x % 8 < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const s = await enc.encode([
      { id: 'h', bytes: h },
      { id: 'v', bytes: v },
    ]);
    const hog = IMAGE_LAYOUT[2]!;
    const edges = (b: number) => row(s.vectors, b).subarray(hog.offset, hog.offset + hog.dims);
    expect(dot(edges(0), edges(1))).toBeLessThan(
      0.2 * Math.sqrt(dot(edges(0), edges(0)) * dot(edges(1), edges(1))),
    );
  });

  it('gives the same vectors inside a worker thread', async () => {
    const moduleUrl = new URL('./builtin.ts', import.meta.url).href;
    const paths = inputs()
      .slice(0, 4)
      .map((i) => i.path);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api').then(async (tsx) => {
        tsx.register();
        const m = await import(workerData.moduleUrl);
        const enc = m.createBuiltinImageEncoder();
        const r = await enc.encode(workerData.paths.map((path, i) => ({ id: String(i), path })));
        parentPort.postMessage(r.vectors);
      });`;
    const fromWorker = await new Promise<Float32Array>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { moduleUrl, paths }, execArgv: [] });
      w.once('message', (v: Float32Array) => {
        resolve(v);
        void w.terminate();
      });
      w.once('error', reject);
    });
    const here = await createBuiltinImageEncoder().encode(paths.map((path, i) => ({ id: String(i), path })));
    expect(fromWorker).toEqual(here.vectors);
  });
});

const posters = 'ml-latest-small-posters';
describe('createBuiltinImageEncoder on real posters', () => {
  if (!hasDataset(posters)) console.log(`skipping poster encoding test: ${datasetPath(posters)} is absent`);
  it.skipIf(!hasDataset(posters))(
    'encodes 200 MovieLens posters (92x138 JPEG), all successfully',
    async () => {
      const index = await readFile(datasetPath(posters, 'posters_index.csv'), 'utf8');
      const files = index
        .trim()
        .split('\n')
        .slice(1, 201)
        .map((line) => line.split(',')[1]!);
      const batch = files.map((f, i) => ({ id: String(i), path: datasetPath(posters, f) }));
      const enc = createBuiltinImageEncoder();
      await enc.encode(batch.slice(0, 10)); // warm up sharp and the JIT
      const t0 = performance.now();
      const r = await enc.encode(batch);
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `builtin image encoder: ${(batch.length / seconds).toFixed(0)} posters/s (${batch.length} in ${seconds.toFixed(2)} s)`,
      );
      expect(r.errors.filter((e) => e !== undefined)).toEqual([]);
      expect(r.ok.every((x) => x === 1)).toBe(true);
      expect(r.vectors.every(Number.isFinite)).toBe(true);
    },
  );
});
