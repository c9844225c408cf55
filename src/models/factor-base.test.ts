import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MismatchError, NotFittedError } from '../errors.js';
import { FactorRecommender, type Factors } from './factor-base.js';
import type { FitReport } from './recommender.js';
import { kernelScorer } from './scoring.js';

class Fixed extends FactorRecommender {
  readonly name = 'fixed';
  constructor(private readonly f?: Factors) {
    super({ k: 1 });
  }
  async fit(): Promise<FitReport> {
    if (this.f) this.setFactors(this.f);
    this.fingerprint = 'fp-1';
    return { epochs: 1, trainSeconds: 0, losses: [0] };
  }
  /** Changes an item factor in place, as training does. */
  bump(item: number, value: number): void {
    this.getFactors().itemFactors[item * 2] = value;
    this.factorsUpdated();
  }
  static async load(dir: string, fp?: string): Promise<Fixed> {
    return new Fixed().restore(await FactorRecommender.loadFactors(dir, 'fixed', fp));
  }
}

// 2 users, 4 items, dim 2.
const factors = (): Factors => ({
  dim: 2,
  userFactors: Float32Array.of(1, 0, 0, 1),
  itemFactors: Float32Array.of(3, 0, 2, 2, 0, 1, -1, 0),
  itemBias: Float32Array.of(0, 0.5, 0, 0),
  userBias: Float32Array.of(1, 2),
  globalBias: 0.25,
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('FactorRecommender', () => {
  it('is not fitted before fit and refuses to score', () => {
    const m = new Fixed(factors());
    expect(m.fitted).toBe(false);
    expect(m.nItems).toBe(0);
    expect(() => m.scoreBatch(Int32Array.of(0), new Float32Array(4))).toThrow(NotFittedError);
  });

  it('scores μ + b_u + b_i + <u, i>; the kernel ranks the same way', async () => {
    const m = new Fixed(factors());
    await m.fit();
    expect(m.fitted).toBe(true);
    expect(m.nItems).toBe(4);
    const out = new Float32Array(8);
    m.scoreBatch(Int32Array.of(0, 1), out);
    expect(Array.from(out)).toEqual([4.25, 3.75, 1.25, 0.25, 2.25, 4.75, 3.25, 2.25]);
    const k = m.scoringKernel();
    const viaKernel = new Float32Array(8);
    kernelScorer(k)(Int32Array.of(0, 1), viaKernel);
    // The kernel leaves out the per-user constant (b_u + μ).
    expect(Array.from(viaKernel)).toEqual([3, 2.5, 0, -1, 0, 2.5, 1, 0]);
  });

  it('scores follow tables changed in place once factorsUpdated() is called', async () => {
    const m = new Fixed(factors());
    await m.fit();
    const out = new Float32Array(4);
    m.scoreBatch(Int32Array.of(0), out);
    expect(out[3]).toBe(0.25);
    m.bump(3, 10);
    m.scoreBatch(Int32Array.of(0), out);
    expect(out[3]).toBe(11.25);
    expect(m.similarItems(0, 1).items[0]).toBe(3);
  });

  it('recommend excludes items and orders by score', async () => {
    const m = new Fixed(factors());
    await m.fit();
    expect(Array.from(m.recommend(0, 2).items)).toEqual([0, 1]);
    expect(Array.from(m.recommend(0, 2, { exclude: (i) => i === 0 }).items)).toEqual([1, 2]);
    expect(Array.from(m.recommend(1, 4, { exclude: (i) => i % 2 === 1 }).items)).toEqual([2, 0]);
  });

  it('similarItems ranks by cosine and excludes the item itself', async () => {
    const m = new Fixed(factors());
    await m.fit();
    const r = m.similarItems(0, 3);
    expect(Array.from(r.items)).toEqual([1, 2, 3]);
    expect(r.scores[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(r.scores[2]).toBeCloseTo(-1, 6);
    expect(Array.from(m.similarItems(2, 4).items)).not.toContain(2);
  });

  it('saves and loads the tables; a wrong fingerprint or model is a MismatchError', async () => {
    const m = new Fixed(factors());
    await m.fit();
    const dir = await mkdtemp(join(tmpdir(), 'fusionrec-factors-'));
    dirs.push(dir);
    await m.save(dir);
    const back = await Fixed.load(dir, 'fp-1');
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    m.scoreBatch(Int32Array.of(0, 1), a);
    back.scoreBatch(Int32Array.of(0, 1), b);
    expect(Array.from(b)).toEqual(Array.from(a));
    await expect(Fixed.load(dir, 'other')).rejects.toThrow(MismatchError);
    await expect(FactorRecommender.loadFactors(dir, 'bpr')).rejects.toThrow(MismatchError);
  });
});
