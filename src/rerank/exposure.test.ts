/**
 * @module rerank/exposure.test
 * Greedy proportional exposure with a minimum share, by hand.
 */
import { describe, expect, it } from 'vitest';
import { exposureStage } from './exposure.js';
import { makeItemGroups } from './groups.js';

// Catalog of 10 items: 0-4 "h", 5-9 "t" (shares 0.5 / 0.5); candidates 0,1,2,3 (h) and 5,6 (t).
const groups = makeItemGroups(Array.from({ length: 10 }, (_, i) => (i < 5 ? 'h' : 't')));
const ctx = { itemGroups: { band: groups } };
const ids = Int32Array.of(0, 1, 2, 3, 5, 6);
const scores = [6, 5, 4, 3, 2, 1];

describe('exposureStage', () => {
  it('computes catalog shares', () => {
    expect([...groups.share]).toEqual([
      ['h', 0.5],
      ['t', 0.5],
    ]);
  });
  it('keeps the score order at share 0', () => {
    expect([...exposureStage('band', 0)(ids, scores, ctx).ids]).toEqual([0, 1, 2, 3, 5, 6]);
  });
  it('alternates at full proportional share', () => {
    // j=2: floor(0.5·2)=1 t item needed -> 5; j=4 -> 6; then h items in score order
    expect([...exposureStage('band', 1)(ids, scores, ctx).ids]).toEqual([0, 5, 1, 6, 2, 3]);
  });
  it('enforces a quarter at strength 0.5', () => {
    // target 0.25: first t item due at j=4
    expect([...exposureStage('band', 0.5)(ids, scores, ctx).ids]).toEqual([0, 1, 2, 5, 3, 6]);
  });
  it('names unknown attributes', () => {
    expect(() => exposureStage('brand', 0.5)(ids, scores, ctx)).toThrow(/no item groups named "brand".*band/);
  });
});
