import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { FeatureCache, hashBytes, hashText, openFeatureCache } from './cache.js';

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('content hashes', () => {
  it('are sha256 hex of the UTF-8 text or of the bytes', () => {
    expect(hashText('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashBytes(new TextEncoder().encode('abc'))).toBe(hashText('abc'));
    expect(hashText('é')).not.toBe(hashText('e'));
  });
});

describe('FeatureCache', () => {
  it('stores and returns vectors per (hash, encoder id), in WAL mode, across reopen', () => {
    const file = join(dir, 'sub', 'features.sqlite');
    const cache = openFeatureCache(file);
    const a = Float32Array.from([1, 2, 3]);
    const b = Float32Array.from([-1, 0.5, 1e-8]);
    expect(
      cache.putMany('enc:v1', 3, [
        ['h1', a],
        ['h2', b],
      ]),
    ).toBe(2);
    cache.putMany('enc:v2', 2, [['h1', Float32Array.from([9, 9])]]);
    expect(existsSync(`${file}-wal`)).toBe(true);
    const got = cache.getMany('enc:v1', ['h1', 'h2', 'h3', 'h1']);
    expect([...got.keys()]).toEqual(['h1', 'h2']);
    expect(Array.from(got.get('h2')!)).toEqual(Array.from(b));
    expect(Array.from(cache.getMany('enc:v2', ['h1']).get('h1')!)).toEqual([9, 9]);
    expect(cache.getMany('other', ['h1']).size).toBe(0);
    const stats = cache.stats();
    expect(stats.entries).toBe(3);
    expect(stats.bytes).toBe(3 * 4 * 2 + 2 * 4);
    expect(stats.encoders.map((e) => [e.encoder, e.dims, e.entries])).toEqual([
      ['enc:v1', 3, 2],
      ['enc:v2', 2, 1],
    ]);
    // A second connection (another process in real use) sees committed entries.
    const other = FeatureCache.open(file);
    expect(Array.from(other.getMany('enc:v1', ['h1']).get('h1')!)).toEqual([1, 2, 3]);
    other.close();
    cache.close();
    const reopened = FeatureCache.open(file);
    expect(reopened.getMany('enc:v1', ['h1', 'h2']).size).toBe(2);
    expect(reopened.clear('enc:v1')).toBe(2);
    expect(reopened.stats().entries).toBe(1);
    reopened.close();
  });

  it('overwrites an entry and rejects vectors of the wrong size', () => {
    const cache = FeatureCache.open(':memory:');
    cache.putMany('e', 2, [['h', Float32Array.from([1, 2])]]);
    cache.putMany('e', 2, [['h', Float32Array.from([3, 4])]]);
    expect(Array.from(cache.getMany('e', ['h']).get('h')!)).toEqual([3, 4]);
    expect(() => cache.putMany('e', 2, [['x', Float32Array.from([1, 2, 3])]])).toThrow(InvalidArgumentError);
    expect(() => cache.putMany('e', 0, [])).toThrow(InvalidArgumentError);
    // Nothing of a rejected batch is written.
    expect(cache.getMany('e', ['x']).size).toBe(0);
    cache.close();
  });

  it('reads vectors stored from an unaligned subarray', () => {
    const cache = FeatureCache.open(':memory:');
    const big = Float32Array.from([0, 1, 2, 3, 4]);
    cache.putMany('e', 3, [['h', big.subarray(1, 4)]]);
    expect(Array.from(cache.getMany('e', ['h']).get('h')!)).toEqual([1, 2, 3]);
    cache.close();
  });
});
