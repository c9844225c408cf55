/**
 * The dashboard's pure logic, without a browser: Wilson intervals, rank changes after feedback,
 * and reading stored reports (experiment JSON, nested sections, learned modality weights).
 */
import { describe, expect, it } from 'vitest';
import { diffRanks } from '../../web/src/diff.js';
import { experimentSections, ksOf, learnedWeights, reportBody, validValue } from '../../web/src/reports.js';
import { wilson } from '../../web/src/stats.js';

describe('wilson', () => {
  it('gives the 95% score interval', () => {
    const [lo, hi] = wilson(10, 100);
    expect(lo).toBeCloseTo(0.05523, 4);
    expect(hi).toBeCloseTo(0.17437, 4);
  });
  it('stays inside [0, 1] and is empty without trials', () => {
    expect(wilson(0, 20)[0]).toBe(0);
    expect(wilson(20, 20)[1]).toBe(1);
    expect(wilson(0, 0)).toEqual([0, 0]);
  });
});

describe('diffRanks', () => {
  it('marks new items and moves, and counts what left', () => {
    const { tags, summary } = diffRanks(['a', 'b', 'c', 'd'], ['b', 'e', 'c', 'a']);
    expect(tags.get('b')).toBe('↑1');
    expect(tags.get('e')).toBe('new');
    expect(tags.has('c')).toBe(false);
    expect(tags.get('a')).toBe('↓3');
    expect(summary).toBe('1 new, 2 moved, 1 left the list.');
  });
  it('says nothing on the first load and when nothing changed', () => {
    expect(diffRanks(undefined, ['a']).summary).toBe('');
    expect(diffRanks(['a', 'b'], ['a', 'b']).summary).toBe('The list did not change.');
  });
});

describe('reports', () => {
  const experiment = {
    dataset: { name: 'demo' },
    results: [
      {
        model: 'fusion',
        metrics: { 'recall@10': 0.1, 'recall@20': 0.2, 'ndcg@5': 0.05 },
        history: [{ epoch: 1, loss: 0.69, trainSeconds: 0.1, valid: 0.12, improved: true }],
        learned: { modalityWeights: { text: 0.2, image: 0.5, audio: 0.3 }, layerWeights: [0.5, 0.5] },
      },
    ],
    comparisons: [],
  };

  it('unwraps the stored body and finds the experiments inside it', () => {
    expect(reportBody({ id: 'r', kind: 'experiment', body: experiment })).toBe(experiment);
    expect(experimentSections({ body: experiment })).toEqual([{ title: '', result: experiment }]);
    const demo = { collaborative: experiment, coldStart: experiment, note: 'x' };
    expect(experimentSections(demo).map((s) => s.title)).toEqual(['collaborative', 'coldStart']);
    expect(experimentSections({ body: { trials: [] } })).toEqual([]);
  });

  it('reads Ks, validation values and learned weights in both report forms', () => {
    expect(ksOf([experiment.results[0]!.metrics, { 'recall@50': 1 }], 'recall')).toEqual([10, 20, 50]);
    expect(validValue({ epoch: 1, valid: 0.3 })).toBe(0.3);
    expect(validValue({ epoch: 1, valid: { 'recall@20': 0.4, 'ndcg@20': 0.1 } })).toBe(0.4);
    expect(learnedWeights(experiment.results[0]!)).toEqual({ text: 0.2, image: 0.5, audio: 0.3 });
    expect(learnedWeights({ modalityWeights: { text: 1, bad: 'x' } })).toEqual({ text: 1 });
    expect(learnedWeights({})).toBeUndefined();
  });
});
