/**
 * Quality regression of LightGCN (He et al., SIGIR 2020) on Last.fm-2k (MMRec's split): a seeded
 * 25-epoch run through the experiment runner must land on the NDCG@10 observed when this test was
 * written. Training runs on 2 threads, whose numbers equal 1 thread's.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/experiment/dataset-spec.js';
import { runExperiment } from '../../src/experiment/experiment.js';
import { datasetPath, hasDataset } from '../../src/io/data-root.js';

const FILE = ['lastfm-2k-mm', 'mmrec', 'lfm2k.inter'];
const present = hasDataset(FILE.join('/'));
if (!present) console.warn(`skipping LightGCN quality test: ${datasetPath(...FILE)} is absent`);

describe.skipIf(!present)('LightGCN quality on lfm2k', () => {
  it('reaches the recorded test NDCG@10 within ±0.01 in under 40 s', async () => {
    const t0 = performance.now();
    const ds = await loadDataset(`mmrec:${datasetPath(...FILE)}`);
    const result = await runExperiment(ds, {
      models: [{ name: 'lightgcn', params: { threads: 2 } }],
      seed: 42,
      maxEpochs: 25,
      patience: 1000, // no early stopping: all 25 epochs run
      workers: 1,
    });
    const r = result.results[0]!;
    const seconds = (performance.now() - t0) / 1000;
    expect(r.epochs).toBe(25);
    // Observed when written: test NDCG@10 = 0.1476 (recall@20 0.2597, best valid epoch 25 of 25;
    // LightGCN at lr 0.001 is still climbing here). About 0.2 s per training epoch on an idle
    // 2-core machine. The full early-stopped run reaches recall@20 0.4054, NDCG@20 0.2799 at
    // epoch 329 (MMRec: 0.4051, 0.2787).
    expect(r.bestEpoch).toBe(25);
    expect(r.metrics['ndcg@10']!).toBeGreaterThan(0.1476 - 0.01);
    expect(r.metrics['ndcg@10']!).toBeLessThan(0.1476 + 0.01);
    // Generous budgets: other processes may share the cores.
    expect(r.trainSecondsPerEpoch).toBeLessThan(1);
    expect(seconds).toBeLessThan(40);
  });
});
