/**
 * @module rerank/pipeline.test
 * Spec parsing (with errors naming the bad part) and composition of stages.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { makeItemGroups } from './groups.js';
import { parseRerankSpec, rerankPipeline } from './pipeline.js';

describe('parseRerankSpec', () => {
  it('parses every stage kind', () => {
    expect(parseRerankSpec('mmr:0.3, pop:0.5,fair:brand=0.3,calibration:0.2,tail:0.1')).toEqual([
      { kind: 'mmr', value: 0.3, text: 'mmr:0.3' },
      { kind: 'pop', value: 0.5, text: 'pop:0.5' },
      { kind: 'fair', value: 0.3, attribute: 'brand', text: 'fair:brand=0.3' },
      { kind: 'calib', value: 0.2, text: 'calibration:0.2' },
      { kind: 'tail', value: 0.1, text: 'tail:0.1' },
    ]);
    expect(parseRerankSpec('')).toEqual([]);
    expect(parseRerankSpec('none')).toEqual([]);
  });
  it('names the bad part', () => {
    const cases: [string, RegExp][] = [
      ['mmr:0.3,pop:abc', /part 2 "pop:abc": value must be a number in \[0, 2\]/],
      ['mmr', /part 1 "mmr": expected name:value/],
      ['mmr:0.3,div:1', /part 2 "div:1": unknown stage "div"/],
      ['fair:0.3', /part 1 "fair:0.3": expected fair:<attribute>=<share>/],
      ['fair:=0.3', /the attribute name is empty/],
      ['mmr:1.5', /part 1 "mmr:1.5": value must be a number in \[0, 1\], got "1.5"/],
      ['mmr:', /got ""/],
    ];
    for (const [spec, re] of cases) {
      expect(() => parseRerankSpec(spec)).toThrow(InvalidArgumentError);
      expect(() => parseRerankSpec(spec)).toThrow(re);
    }
  });
});

describe('rerankPipeline', () => {
  const ids = Int32Array.of(0, 1, 2, 3);
  const scores = [3, 2.7, 1.5, 0];
  const ctx = {
    itemPopularity: [99, 0, 3, 0],
    itemGroups: { band: makeItemGroups(['h', 'h', 't', 't']) },
  };
  it('is the identity without stages', () => {
    const r = rerankPipeline('none').run(ids, scores, ctx);
    expect([...r.ids]).toEqual([0, 1, 2, 3]);
  });
  it('feeds each stage the previous stage adjusted scores', () => {
    // pop:1 -> order 1, 2, 0, 3 with scores 0.9, 0.125, 0.01, 0; then fair band=1 over that order:
    // j=2 needs a "t" (item 2, next best anyway)... j=1: 1(h); j=2: 2(t); j=3: 0(h); j=4: 3(t)
    const r = rerankPipeline('pop:1,fair:band=1').run(ids, scores, ctx);
    expect([...r.ids]).toEqual([1, 2, 0, 3]);
    expect(r.scores[0]).toBeCloseTo(0.9, 12);
    // fair alone on the raw scores: 0(h), then a "t" is due at j=2 -> 2, then 1, then 3
    expect([...rerankPipeline('fair:band=1').run(ids, scores, ctx).ids]).toEqual([0, 2, 1, 3]);
  });
});
