import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { ratioLabel } from './common.js';
import { coldStartItemSplit } from './global.js';
import { randomSplit } from './per-user.js';
import { makeSplit, makeSplits, parseSplitSpec, type SplitSpec } from './spec.js';
import { syntheticLog } from './synthetic.js';

const log = syntheticLog({ nUsers: 120, nItems: 150, seed: 2, withLabels: true });

describe('parseSplitSpec', () => {
  it('parses every documented form', () => {
    expect(parseSplitSpec('random')).toEqual({ method: 'random', seed: 42 });
    expect(parseSplitSpec('random:0.7,0.15,0.15', 7)).toEqual({
      method: 'random',
      seed: 7,
      ratios: [0.7, 0.15, 0.15],
    });
    expect(parseSplitSpec('temporal-user:0.8,0.1,0.1')).toEqual({
      method: 'temporal-user',
      ratios: [0.8, 0.1, 0.1],
    });
    expect(parseSplitSpec(' leave-last-out ')).toEqual({ method: 'leave-last-out' });
    expect(parseSplitSpec('temporal-global')).toEqual({ method: 'temporal-global' });
    expect(parseSplitSpec('cold-start:0.1')).toEqual({
      method: 'cold-start',
      seed: 42,
      itemRatios: [0.8, 0.1, 0.1],
    });
    expect(parseSplitSpec('cold-start:0.6,0.2,0.2')).toMatchObject({ itemRatios: [0.6, 0.2, 0.2] });
    expect(parseSplitSpec('kfold:10:3')).toEqual({ method: 'kfold', seed: 42, k: 10, fold: 3 });
    expect(parseSplitSpec('kfold')).toEqual({ method: 'kfold', seed: 42 });
    expect(parseSplitSpec('predefined')).toEqual({ method: 'predefined' });
  });
  it.each([
    'shuffle',
    '',
    'random:0.5,0.1',
    'random:0.8,0.1,x',
    'random:0.9,0.1,0.1',
    'leave-last-out:2',
    'cold-start:0.6',
    'kfold:1',
    'kfold:5:5',
  ])('rejects %j, listing the valid forms', (text) => {
    expect(() => parseSplitSpec(text)).toThrow(InvalidArgumentError);
    expect(() => parseSplitSpec(text)).toThrow(/valid forms: random\[:TRAIN,VALID,TEST\].*predefined/);
  });
});

describe('makeSplit', () => {
  it.each<[SplitSpec, string]>([
    [{ method: 'random' }, 'random-8:1:1 seed=42'],
    [{ method: 'temporal-user', ratios: [0.6, 0.2, 0.2] }, 'temporal-user-3:1:1'],
    [{ method: 'leave-last-out' }, 'leave-last-out'],
    [{ method: 'temporal-global' }, 'temporal-global-8:1:1'],
    [{ method: 'cold-start', seed: 3 }, 'cold-start-8:1:1 seed=3'],
    [{ method: 'kfold', fold: 1, seed: 4 }, 'kfold-5 fold=1 valid=0.1 seed=4'],
    [{ method: 'predefined' }, 'predefined'],
  ])('runs %j', (spec, method) => {
    const s = makeSplit(spec, log, 120, 150);
    expect(s.method).toBe(method);
    expect(s.train.nnz + s.valid.nnz + s.test.nnz).toBeGreaterThan(0);
  });
  it('gives the same result as the direct call', () => {
    const a = makeSplit(parseSplitSpec('random:0.8,0.1,0.1', 9), log, 120, 150);
    const b = randomSplit(log, 120, 150, { seed: 9 });
    expect(a.test.indices.join()).toBe(b.test.indices.join());
    const c = makeSplit(parseSplitSpec('cold-start:0.1', 9), log, 120, 150);
    expect(c.coldItems).toEqual(coldStartItemSplit(log, 120, 150, { seed: 9 }).coldItems);
  });
  it('makeSplits expands k-fold', () => {
    expect(makeSplits({ method: 'kfold', k: 4, seed: 1 }, log, 120, 150)).toHaveLength(4);
    expect(makeSplits({ method: 'leave-last-out' }, log, 120, 150)).toHaveLength(1);
  });
});

describe('ratioLabel', () => {
  it('reduces shares to small integers', () => {
    expect(ratioLabel([0.8, 0.1, 0.1])).toBe('8:1:1');
    expect(ratioLabel([0.7, 0.15, 0.15])).toBe('14:3:3');
    expect(ratioLabel([1, 0, 0])).toBe('1:0:0');
  });
});
