/**
 * Content signal of the built-in encoders on MovieLens ml-latest-small (posters + TMDB
 * overviews), positives rating >= 4, cold-start item split "cold-start:0.1" (seed 42): the test
 * items have no training interactions at all, so only content can rank them. For user u and cold
 * item i, score = Σ_{j ∈ train items of u} cos(x_i, x_j), computed as <Σ_j x_j, x_i> (a 'dot'
 * kernel, so the standard evaluator ranks it). Candidates are restricted to the cold test items by
 * masking every other item. Image-kNN and text-kNN must beat random by > 1.5x on Recall@20 and
 * NDCG@20. Vectors go through a persistent feature cache in the OS temp folder, so reruns only
 * refit the text IDF.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { Interactions } from '../../src/data/interactions.js';
import { evaluateRanking } from '../../src/eval/evaluator.js';
import { textTable } from '../../src/experiment/report.js';
import { dataRoot, hasDataset } from '../../src/io/data-root.js';
import { loadMovieLensMultimodal } from '../../src/io/movielens-media.js';
import { encodeCatalog } from '../../src/jobs/encode.js';
import type { FeatureModality } from '../../src/modalities/modality.js';
import { KernelModel } from '../../src/models/kernel-model.js';
import { createModel } from '../../src/models/registry.js';
import { makeSplit, parseSplitSpec } from '../../src/splits/index.js';
import { Rng } from '../../src/util/rng.js';

const NEEDED = ['ml-latest-small', 'ml-latest-small-posters', 'tmdb-5000-movies'];
const present = NEEDED.every((d) => hasDataset(d));
if (!present)
  console.warn(`skipping the content-signal test: ${NEEDED.join(', ')} not all under ${dataRoot()}`);

/** score(u, i) = Σ_{j ∈ train(u)} <x_j, x_i>: user profile = sum of the user's item vectors. */
function contentKnn(m: FeatureModality, train: Interactions): KernelModel {
  const { dim } = m;
  const users = new Float32Array(train.nUsers * dim);
  for (let u = 0; u < train.nUsers; u++) {
    for (let p = train.indptr[u]!; p < train.indptr[u + 1]!; p++) {
      const j = train.indices[p]!;
      for (let d = 0; d < dim; d++) users[u * dim + d]! += m.data[j * dim + d]!;
    }
  }
  return new KernelModel(`${m.name}-knn`, {
    kind: 'dot',
    nUsers: train.nUsers,
    nItems: train.nItems,
    dim,
    userFactors: users,
    itemFactors: m.data,
  });
}

/** The modality with its mean over present items subtracted and rows re-normalised (reported only). */
function centred(m: FeatureModality): FeatureModality {
  const { dim } = m;
  const mean = new Float64Array(dim);
  const n = m.present.reduce((a, b) => a + b, 0);
  m.present.forEach((p, i) => {
    if (p) for (let d = 0; d < dim; d++) mean[d]! += m.data[i * dim + d]! / n;
  });
  const data = new Float32Array(m.data.length);
  m.present.forEach((p, i) => {
    if (!p) return;
    let s = 0;
    for (let d = 0; d < dim; d++) s += (m.data[i * dim + d]! - mean[d]!) ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) data[i * dim + d] = (m.data[i * dim + d]! - mean[d]!) * inv;
  });
  return { ...m, name: `${m.name}-centred`, data };
}

/** Masks every item except `keep` for each user with a target. */
function maskAllBut(keep: Int32Array, target: Interactions): Interactions {
  const kept = new Uint8Array(target.nItems);
  for (const i of keep) kept[i] = 1;
  const others = Int32Array.from({ length: target.nItems }, (_, i) => i).filter((i) => !kept[i]);
  const active = new Uint8Array(target.nUsers);
  for (const u of target.activeUsers()) active[u] = 1;
  const indptr = new Int32Array(target.nUsers + 1);
  for (let u = 0; u < target.nUsers; u++) indptr[u + 1] = indptr[u]! + (active[u] ? others.length : 0);
  const indices = new Int32Array(indptr[target.nUsers]!);
  for (let u = 0, at = 0; u < target.nUsers; u++) {
    if (!active[u]) continue;
    indices.set(others, at);
    at += others.length;
  }
  return new Interactions(
    target.nUsers,
    target.nItems,
    indptr,
    indices,
    new Float32Array(indices.length),
    new Float64Array(indices.length),
  );
}

describe('content signal on MovieLens cold-start items', () => {
  it.skipIf(!present)('image-kNN (posters) and text-kNN (overviews) beat random by > 1.5x', async () => {
    const ds = await loadMovieLensMultimodal(dataRoot(), { positive: ['rating>=4'] });
    const split = makeSplit(parseSplitSpec('cold-start:0.1', 42), ds.log, ds.users.size, ds.items.size);
    const cold = split.coldTestItems!;
    const target = split.test;
    // Encode only what scoring needs: the cold test items and the training items of test users.
    const needed = new Uint8Array(ds.items.size);
    for (const i of cold) needed[i] = 1;
    for (const u of target.activeUsers()) {
      for (let p = split.train.indptr[u]!; p < split.train.indptr[u + 1]!; p++)
        needed[split.train.indices[p]!] = 1;
    }
    const sub: Dataset = { ...ds, catalog: ds.catalog!.map((item, i) => (needed[i] ? item : undefined)) };
    const cachePath = join(tmpdir(), 'fusionrec-quality-cache', 'features.sqlite');
    const { modalities, report } = await encodeCatalog(sub, dataRoot(), {
      text: { name: 'builtin' },
      image: { name: 'builtin' },
      cachePath,
    });
    const [text, image] = modalities as [FeatureModality, FeatureModality];
    const mask = maskAllBut(cold, target);
    const popularity = createModel('popularity');
    await popularity.fit({ train: split.train, modalities: [], fingerprint: 'content-signal' }, { seed: 42 });
    const rng = new Rng(7);
    const random = new KernelModel('random', {
      kind: 'item-scores',
      nItems: ds.items.size,
      itemScores: Float32Array.from({ length: ds.items.size }, () => rng.next()),
    });
    const models = [
      contentKnn(image, split.train),
      contentKnn(text, split.train),
      contentKnn(centred(image), split.train),
      contentKnn(centred(text), split.train),
      random,
      popularity,
    ];
    const rows: string[][] = [];
    const score: Record<string, { recall: number; ndcg: number }> = {};
    for (const model of models) {
      const r = await evaluateRanking(model, target, [split.train, mask], {
        ks: [20],
        metrics: ['recall', 'ndcg'],
      });
      score[model.name] = { recall: r.metrics['recall@20']!, ndcg: r.metrics['ndcg@20']! };
      rows.push([model.name, r.metrics['recall@20']!.toFixed(4), r.metrics['ndcg@20']!.toFixed(4)]);
    }
    const users = target.activeUsers().length;
    console.log(
      `cold-start:0.1 seed 42: ${cold.length} cold test items, ${users} test users; ` +
        `encoded text ${report.text!.encoded}+${report.text!.cached} cached, image ${report.image!.encoded}+${report.image!.cached} cached\n` +
        textTable(['model', 'Recall@20', 'NDCG@20'], rows),
    );
    for (const name of ['image-knn', 'text-knn']) {
      expect(score[name]!.recall).toBeGreaterThan(1.5 * score.random!.recall);
      expect(score[name]!.ndcg).toBeGreaterThan(1.5 * score.random!.ndcg);
    }
  });
});
