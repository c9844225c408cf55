import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { NotSupportedError } from '../errors.js';
import type { Recommender } from '../models/recommender.js';
import { createModel } from '../models/registry.js';
import { assertFits, guardFit, memoryLimit, parseBytes, shapeOf } from './check.js';
import { estimateModel, formatBytes, MEMORY_FACTOR } from './estimate.js';
import { sizingRows } from './table.js';

const shape = { users: 1000, items: 500, interactions: 10_000, featureDims: [64, 32] };

describe('estimateModel', () => {
  it('counts BPR as weights + two Adam moments + the sampler (hand-computed)', () => {
    const e = estimateModel('bpr', { dim: 10 }, shape);
    // (1000 + 500) x 10 floats x 4 bytes x 3 tables + 10,000 pairs x 12 bytes, times the measured slack
    expect(e.bytes).toBe(Math.round((1500 * 10 * 4 * 3 + 120_000) * MEMORY_FACTOR.bpr!));
    // work: 6 d per pair + a dense Adam step over all 1500 rows for each of ceil(10000 / 2048) = 5 batches
    expect(e.work).toBe(10_000 * 10 * 6 + 5 * 1500 * 10 * 3);
    expect(e.wasmBytes).toBe(0);
    expect(e.secondsPerEpoch).toBeGreaterThan(0);
  });

  it('makes graph models and dense-Adam BPR grow faster than linearly, lazy-Adam BPR linearly', () => {
    const big = { users: 10_000, items: 5000, interactions: 100_000, featureDims: [64, 32] };
    const ratio = (m: string) =>
      estimateModel(m, {}, big).secondsPerEpoch / estimateModel(m, {}, shape).secondsPerEpoch;
    const lazy = (sh: typeof shape) => estimateModel('bpr', { adam: 'lazy' }, sh).work;
    expect(lazy(big) / lazy(shape)).toBeCloseTo(10, 5);
    expect(ratio('bpr')).toBeGreaterThan(20); // dense Adam: every row, every batch
    expect(ratio('lightgcn')).toBeGreaterThan(50);
  });

  it('charges fusion with layers for the item tower once per towerEvery batches', () => {
    const every1 = estimateModel('fusion', { towerEvery: 1 }, shape).work;
    const every5 = estimateModel('fusion', { towerEvery: 5 }, shape).work;
    expect(every5).toBeLessThan(every1);
  });

  it('rejects unknown models', () => {
    expect(() => estimateModel('nope', {}, shape)).toThrow(/no size estimate.*bpr/);
  });
});

describe('assertFits', () => {
  it('passes under the limit and refuses above it, naming the estimate and the limit', () => {
    expect(assertFits('bpr', {}, shape, { limit: 2 ** 30, used: 0 })?.bytes).toBeGreaterThan(0);
    expect(() => assertFits('bpr', {}, shape, { limit: 100_000, used: 0 })).toThrow(NotSupportedError);
    expect(() => assertFits('bpr', {}, shape, { limit: 100_000, used: 0 })).toThrow(
      /bpr needs about .* more than the memory limit 98 KiB/,
    );
  });

  it('refuses tables beyond one WebAssembly memory even when the machine has the RAM', () => {
    const huge = { users: 20_000_000, items: 1_000_000, interactions: 10_000_000, featureDims: [] };
    expect(() => assertFits('lightgcn', {}, huge, { limit: 2 ** 50, used: 0 })).toThrow(
      /WebAssembly's 4.0 GiB/,
    );
  });

  it('lets models without an estimate pass', () => {
    expect(assertFits('someday', {}, shape, { limit: 1, used: 0 })).toBeUndefined();
  });
});

describe('memoryLimit / parseBytes', () => {
  it('reads FUSIONREC_MEMORY_LIMIT or defaults to 90% of memory', () => {
    expect(parseBytes('24G')).toBe(24 * 2 ** 30);
    expect(parseBytes('512MiB')).toBe(512 * 2 ** 20);
    expect(parseBytes('1000')).toBe(1000);
    expect(() => parseBytes('lots')).toThrow(/not a memory size/);
    expect(memoryLimit({ FUSIONREC_MEMORY_LIMIT: '1G' })).toBe(2 ** 30);
    expect(memoryLimit({})).toBeGreaterThan(2 ** 20);
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
});

describe('guardFit', () => {
  it('refuses before fit starts when the model does not fit', async () => {
    const train = Interactions.empty(10, 5);
    let started = false;
    const model = {
      name: 'bpr',
      params: {},
      fit: async () => {
        started = true;
        return { epochs: 0, trainSeconds: 0, losses: [] };
      },
    } as unknown as Recommender;
    guardFit(model);
    const old = process.env.FUSIONREC_MEMORY_LIMIT;
    process.env.FUSIONREC_MEMORY_LIMIT = '1k';
    try {
      await expect(model.fit({ train, modalities: [], fingerprint: 'x' }, { seed: 1 })).rejects.toThrow(
        NotSupportedError,
      );
    } finally {
      if (old === undefined) delete process.env.FUSIONREC_MEMORY_LIMIT;
      else process.env.FUSIONREC_MEMORY_LIMIT = old;
    }
    expect(started).toBe(false);
    expect(shapeOf({ train, modalities: [], fingerprint: 'x' })).toEqual({
      users: 10,
      items: 5,
      interactions: 0,
      featureDims: [],
    });
  });

  it('is applied by the registry', () => {
    const m = createModel('bpr');
    expect(m.fit).not.toBe(Object.getPrototypeOf(m).fit);
  });
});

describe('sizingRows', () => {
  it('gives one row per model, says which need a modality and which do not fit', () => {
    const rows = sizingRows({ ...shape, featureDims: [] }, { limit: 2 ** 40, used: 0 });
    expect(rows.map((r) => r[0])).toEqual(['bpr', 'lightgcn', 'vbpr', 'freedom', 'fusion']);
    expect(rows[0]![2]).toBe('yes');
    expect(rows[2]![2]).toMatch(/needs a feature modality/);
    const tight = sizingRows(shape, { limit: 50_000, used: 0 });
    expect(tight[0]![2]).toMatch(/^no: .* > limit/);
  });
});
