/**
 * The Foundation issue's acceptance figures: the popularity model under MMRec's all-item protocol
 * must reproduce numbers computed independently with MMRec (to +-0.0001).
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/experiment/dataset-spec.js';
import { runExperiment } from '../../src/experiment/experiment.js';
import { datasetPath, hasDataset } from '../../src/io/data-root.js';

const cases = [
  {
    name: 'amazon-baby-mmrec',
    spec: () => `mmrec-json:${datasetPath('amazon-baby-mmrec')}`,
    users: 19445,
    r20: 0.0523,
    n20: 0.0219,
  },
  {
    name: 'lastfm-2k-mm',
    spec: () => `mmrec:${datasetPath('lastfm-2k-mm', 'mmrec', 'lfm2k.inter')}`,
    users: 1858,
    r20: 0.1229,
    n20: 0.0755,
  },
];

describe('MMRec parity of the popularity model', () => {
  for (const c of cases) {
    const present = hasDataset(c.name);
    if (!present) console.warn(`skipping ${c.name} parity: ${datasetPath(c.name)} is absent`);
    it.skipIf(!present)(`${c.name}: Recall@20 = ${c.r20}, NDCG@20 = ${c.n20}`, async () => {
      const ds = await loadDataset(c.spec());
      const r = await runExperiment(ds, { models: [{ name: 'popularity' }], seed: 42 });
      expect(r.dataset.testUsers).toBe(c.users);
      const m = r.results[0]!.metrics;
      expect(Math.abs(m['recall@20']! - c.r20)).toBeLessThanOrEqual(0.0001);
      expect(Math.abs(m['ndcg@20']! - c.n20)).toBeLessThanOrEqual(0.0001);
    });
  }
});
