import { describe, expect, it } from 'vitest';
import { KernelModel } from '../models/kernel-model.js';
import { coldStartItemSplit } from '../splits/global.js';
import { syntheticLog } from '../splits/synthetic.js';
import { evaluateSplit } from './evaluator.js';

describe('evaluateSplit with cold candidates', () => {
  const nUsers = 120;
  const nItems = 150;
  const log = syntheticLog({ nUsers, nItems, seed: 3 });
  const split = coldStartItemSplit(log, nUsers, nItems, { seed: 4 });
  const cold = new Set(split.coldItems);
  // a model that prefers warm items: every warm item outscores every cold item
  const scores = Float32Array.from({ length: nItems }, (_, i) => (cold.has(i) ? i / nItems : 10 + i));
  const model = new KernelModel('warm-first', { kind: 'item-scores', nItems, itemScores: scores });

  it('ranks only the held-out items, so a warm-first model still finds cold targets', async () => {
    const all = await evaluateSplit(model, split, 'test', { workers: 1, ks: [20] });
    const coldOnly = await evaluateSplit(model, split, 'test', {
      workers: 1,
      ks: [20],
      coldCandidates: true,
    });
    expect(all.metrics['recall@20']).toBe(0);
    expect(coldOnly.metrics['recall@20']).toBeGreaterThan(0);
    for (const i of coldOnly.topLists) if (i >= 0) expect(cold.has(i)).toBe(true);
  });

  it('needs a cold-start split', async () => {
    const { coldItems: _c, ...plain } = split;
    await expect(evaluateSplit(model, plain, 'test', { coldCandidates: true })).rejects.toThrow(
      /cold-start split/,
    );
  });
});
