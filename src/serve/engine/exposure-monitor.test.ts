import { describe, expect, it } from 'vitest';
import type { StoredItem } from '../../store/types.js';
import { CatalogState } from './catalog.js';
import { ExposureMonitor } from './exposure-monitor.js';

const item = (id: string): StoredItem => ({
  id,
  text: {},
  categories: [],
  labels: [],
  attributes: {},
  timestamp: 0,
  hidden: false,
  modalities: {},
});

/** 10 items; item k has k positive events (item 0 none). */
function catalog(): CatalogState {
  const c = new CatalogState([]);
  for (let k = 0; k < 10; k++) c.upsert(item(`i${k}`));
  const rows = [];
  for (let k = 1; k < 10; k++) {
    for (let e = 0; e < k; e++)
      rows.push({ user: `u${e}`, item: `i${k}`, type: 'click', value: 1, timestamp: 1 });
  }
  c.addFeedback(rows);
  return c;
}

describe('ExposureMonitor', () => {
  it('computes the served lists’ figures by hand, per model version and arm', () => {
    const cat = catalog();
    const m = new ExposureMonitor();
    // version 1: two lists of the two most popular items; users' histories average popularity 6
    m.record({ name: 'bpr', version: 1 }, null, [9, 8], 6);
    m.record({ name: 'bpr', version: 1 }, null, [9, 8], 6);
    // version 2, arm b: one list of two unpopular items, no history
    m.record({ name: 'bpr', version: 2 }, 'b', [1, 2], Number.NaN);
    const [v2, v1] = m.figures(cat);
    expect(v1).toMatchObject({ version: 1, arm: null, served: 2, window: 2 });
    expect(v1!.averagePopularity).toBeCloseTo(8.5, 12); // (9 + 8) / 2
    expect(v1!.popularityLift).toBeCloseTo((8.5 - 6) / 6, 12);
    expect(v1!.coverage).toBeCloseTo(2 / 10, 12);
    // exposures: items 8 and 9 twice each, 8 items 0 times: Gini of [0×8, 2, 2] = 0.8
    expect(v1!.gini).toBeCloseTo(0.8, 12);
    // head = fewest most popular items holding 20% of the 45 events: item 9 (9 events = 20%); 8 is tail
    expect(v1!.longTailShare).toBeCloseTo(0.5, 12);
    expect(v2).toMatchObject({ version: 2, arm: 'b', served: 1, popularityLift: null });
    expect(v2!.averagePopularity).toBeCloseTo(1.5, 12);
    expect(v2!.longTailShare).toBe(1);
  });

  it('keeps only the newest lists of a window', () => {
    const cat = catalog();
    const m = new ExposureMonitor(3);
    for (let k = 0; k < 5; k++) m.record({ name: 'bpr', version: 1 }, null, [k], 1);
    const [f] = m.figures(cat);
    expect(f).toMatchObject({ served: 5, window: 3 });
    expect(f!.averagePopularity).toBeCloseTo((2 + 3 + 4) / 3, 12); // lists [2], [3], [4]
  });
});
