/**
 * @module serve/retrieval/persist.test
 * A saved HNSW item index restores to the same answers, and any damaged or foreign blob is refused.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError, MismatchError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { HnswIndex } from './hnsw.js';
import { buildIndex } from './index.js';
import {
  decodeDerivedTable,
  decodeItemIndex,
  encodeDerivedTable,
  encodeItemIndex,
  readSavedIndex,
  tableChecksum,
} from './persist.js';
import { syntheticFactors } from './synthetic.js';

const dim = 16;
const n = 3000;
const { items, queries } = syntheticFactors(n, dim, 3);
const rng = new Rng(9);
const bias = Float32Array.from({ length: n }, () => 0.2 * rng.normal());
const qs = queries(50);
const built = buildIndex(items, dim, { kind: 'hnsw', bias, seed: 2, efConstruction: 64 }) as HnswIndex;

describe('saved item index', () => {
  it('restores a graph that answers exactly as the one saved', async () => {
    const bytes = await encodeItemIndex(built, items, bias);
    const { header } = readSavedIndex(bytes);
    expect(header).toMatchObject({ dim, rows: n, kind: 'hnsw', vectors: tableChecksum(items, bias) });
    const restored = await decodeItemIndex(bytes, items, dim, { bias });
    expect(restored.size).toBe(n);
    for (let q = 0; q < 50; q++) {
      const query = qs.subarray(q * dim, (q + 1) * dim);
      expect(restored.search(query, 10)).toEqual(built.search(query, 10));
    }
    expect(Array.from(restored.vector(7)!)).toEqual(Array.from(items.subarray(7 * dim, 8 * dim)));
  });

  it('marks items that are not live as deleted, and still takes new ones', async () => {
    const live = new Uint8Array(n).fill(1);
    const query = qs.subarray(0, dim);
    const top = built.search(query, 5).map((h) => h.item);
    for (const i of top) live[i] = 0;
    const restored = await decodeItemIndex(await encodeItemIndex(built, items, bias), items, dim, {
      bias,
      live,
    });
    expect(restored.size).toBe(n - top.length);
    const got = restored.search(query, 10).map((h) => h.item);
    expect(got.some((i) => top.includes(i))).toBe(false);
    // the next five of the full index come first now
    expect(got.slice(0, 5)).toEqual(
      built
        .search(query, 10)
        .slice(5, 10)
        .map((h) => h.item),
    );
    restored.upsert(
      n + 3,
      Float32Array.from(query, (x) => 50 * x),
      0,
    );
    expect(restored.search(query, 1)[0]!.item).toBe(n + 3);
  });

  it('refuses damaged bytes, another table and another dimension', async () => {
    const bytes = await encodeItemIndex(built, items, bias);
    const flipped = bytes.slice();
    flipped[flipped.length - 100] = flipped[flipped.length - 100]! ^ 1;
    await expect(decodeItemIndex(flipped, items, dim, { bias })).rejects.toThrow(/checksum/);
    await expect(decodeItemIndex(bytes.subarray(0, bytes.length - 1), items, dim, { bias })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(decodeItemIndex(new Uint8Array(3), items, dim, { bias })).rejects.toThrow(InvalidInputError);
    const other = items.slice();
    other[5] = other[5]! + 1e-3;
    await expect(decodeItemIndex(bytes, other, dim, { bias })).rejects.toThrow(MismatchError);
    await expect(decodeItemIndex(bytes, items, dim)).rejects.toThrow(MismatchError); // bias missing
    await expect(decodeItemIndex(bytes, items.subarray(0, (n - 1) * dim), dim, { bias })).rejects.toThrow(
      MismatchError,
    );
    await expect(decodeItemIndex(bytes, items, dim / 2, { bias })).rejects.toThrow(MismatchError);
  });

  it('restore refuses a graph whose point count differs from its parameters', async () => {
    const graph = await built.saveGraph();
    const params = { ...built.graphParams(), points: n - 1 };
    await expect(
      HnswIndex.restore(dim, params, graph, { vectors: items.subarray(0, (n - 1) * dim), bias }),
    ).rejects.toThrow(MismatchError);
  });

  it('round-trips a derived table tied to its source table, and refuses another source or damage', () => {
    const gram = Float32Array.from({ length: dim * dim }, (_, k) => k / 7);
    const source = tableChecksum(items, bias);
    const bytes = encodeDerivedTable(gram, source);
    expect(Array.from(decodeDerivedTable(bytes, source, dim * dim))).toEqual(Array.from(gram));
    expect(() => decodeDerivedTable(bytes, tableChecksum(items), dim * dim)).toThrow(MismatchError);
    expect(() => decodeDerivedTable(bytes, source, dim)).toThrow(MismatchError);
    const bad = bytes.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    expect(() => decodeDerivedTable(bad, source, dim * dim)).toThrow(InvalidInputError);
    expect(() => decodeDerivedTable(bytes.subarray(0, 20), source, dim * dim)).toThrow(InvalidInputError);
  });
});
