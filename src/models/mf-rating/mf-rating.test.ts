/**
 * @module models/mf-rating/mf-rating.test
 * Biased MF on a planted low-rank rating matrix: RMSE far below the global-mean baseline (a
 * regression guard with its observed figure), SGD, early stopping through the runner's protocol
 * (onEpochEnd) reproducing the best epoch by refitting, determinism, and save → load.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { createModel, loadModel } from '../registry.js';
import { evaluateRating } from './evaluate-rating.js';
import { MfRating } from './mf-rating.js';

/**
 * A rank-3 rating matrix (ratings = 3 + biases + <p, q> + small noise, clipped to [1, 5]),
 * observed at random cells, split into train and test at random.
 */
function lowRank(seed: number): { train: Interactions; test: Interactions } {
  const rng = new Rng(seed);
  const nUsers = 150;
  const nItems = 100;
  const r = 3;
  const P = Array.from({ length: nUsers * r }, () => rng.normal() * 0.7);
  const Q = Array.from({ length: nItems * r }, () => rng.normal() * 0.7);
  const bu = Array.from({ length: nUsers }, () => rng.normal() * 0.3);
  const bi = Array.from({ length: nItems }, () => rng.normal() * 0.3);
  const parts = [
    { users: [] as number[], items: [] as number[], values: [] as number[] },
    { users: [] as number[], items: [] as number[], values: [] as number[] },
  ];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.next() > 0.3) continue;
      let v = 3 + bu[u]! + bi[i]! + rng.normal() * 0.1;
      for (let k = 0; k < r; k++) v += P[u * r + k]! * Q[i * r + k]!;
      const part = parts[rng.next() < 0.8 ? 0 : 1]!;
      part.users.push(u);
      part.items.push(i);
      part.values.push(Math.min(5, Math.max(1, v)));
    }
  }
  const [train, test] = parts.map((p) =>
    Interactions.fromLog(
      {
        length: p.users.length,
        users: Int32Array.from(p.users),
        items: Int32Array.from(p.items),
        values: Float32Array.from(p.values),
        timestamps: new Float64Array(p.users.length),
      },
      nUsers,
      nItems,
    ),
  );
  return { train: train!, test: test! };
}

const { train, test } = lowRank(4);
const data = { train, modalities: [], fingerprint: 'fp-mf' };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** RMSE of predicting the training mean for every test rating. */
function globalMeanRmse(): number {
  let mean = 0;
  for (const v of train.values) mean += v;
  mean /= train.nnz;
  let s = 0;
  for (const v of test.values) s += (v - mean) ** 2;
  return Math.sqrt(s / test.nnz);
}

describe('mf-rating', () => {
  it('validates parameters', () => {
    expect(() => new MfRating({ factors: 3 })).toThrow(InvalidArgumentError);
    expect(() => new MfRating({ factors: 3 })).toThrow(/dim, lr, reg, batchSize, epochs/);
    expect(new MfRating().params).toMatchObject({ dim: 32, lr: 0.005, reg: 0.02, batchSize: 1024 });
  });

  it('recovers a low-rank rating matrix far below the global-mean baseline (RMSE regression guard)', async () => {
    const m = new MfRating({ dim: 8, batchSize: 128, lr: 0.01, epochs: 60 });
    const rep = await m.fit(data, { seed: 1 });
    expect(rep.epochs).toBe(60);
    expect(rep.losses[59]!).toBeLessThan(rep.losses[0]!);
    const base = globalMeanRmse();
    const got = evaluateRating(m, test);
    expect(got.rmse).toBeLessThan(0.35 * base); // regression guard: observed 0.216 vs 0.920
    expect(got.mae).toBeLessThan(got.rmse);
    // Scores for ranking are predicted ratings.
    const scores = new Float32Array(train.nItems);
    m.scoreBatch(Int32Array.of(5), scores);
    expect(scores[7]).toBeCloseTo(m.predict(Int32Array.of(5), Int32Array.of(7))[0]!, 5);
  });

  it('also trains with SGD and honours maxEpochs and a stop from onEpochEnd', async () => {
    const m = new MfRating({ dim: 8, batchSize: 64, optimizer: 'sgd', lr: 1 });
    const rep = await m.fit(data, { seed: 1, maxEpochs: 40 });
    expect(rep.epochs).toBe(40);
    expect(evaluateRating(m, test).rmse).toBeLessThan(0.8 * globalMeanRmse());
    const stopped = await new MfRating({ dim: 4 }).fit(data, { seed: 1, onEpochEnd: () => 'stop' });
    expect(stopped.epochs).toBe(1);
  });

  it('does not stop by itself: validation data is for the runner', async () => {
    // lr 0.05 without reg overfits within a few epochs (validation RMSE rises), as below.
    const m = new MfRating({ dim: 8, batchSize: 64, lr: 0.05, reg: 0, epochs: 300 });
    const seen: number[] = [];
    const rep = await m.fit(
      { ...data, valid: test },
      {
        seed: 1,
        maxEpochs: 25,
        onEpochEnd: () => {
          seen.push(evaluateRating(m, test).rmse);
          return 'continue';
        },
      },
    );
    expect(rep.epochs).toBe(25);
    // Validation RMSE stopped improving well before: the old in-model rule would have stopped.
    expect(seen.indexOf(Math.min(...seen)) + 1).toBeLessThan(20);
    expect(evaluateRating(m, test).rmse).toBe(seen[24]);
    expect(() => new MfRating({ patience: 3 })).toThrow(/unknown parameter "patience"/);
  });

  it('early-stops on validation RMSE through onEpochEnd; a refit to the best epoch is that epoch', async () => {
    // What the model did inside fit() before (patience 2, best tables kept), done by the caller
    // the way the runner stops every iterative model and serve/train refits to the best epoch.
    const params = { dim: 8, batchSize: 64, lr: 0.05, reg: 0, epochs: 300 };
    const m = new MfRating(params);
    const seen: number[] = [];
    let since = 0;
    const rep = await m.fit(
      { ...data, valid: test },
      {
        seed: 1,
        onEpochEnd: () => {
          const r = evaluateRating(m, test).rmse;
          since = seen.length > 0 && r >= Math.min(...seen) ? since + 1 : 0;
          seen.push(r);
          return since >= 2 ? 'stop' : 'continue';
        },
      },
    );
    expect(rep.epochs).toBeLessThan(300);
    expect(seen.length).toBe(rep.epochs);
    const bestEpoch = seen.indexOf(Math.min(...seen)) + 1;
    expect(bestEpoch).toBe(rep.epochs - 2);
    const refit = new MfRating(params);
    await refit.fit(data, { seed: 1, maxEpochs: bestEpoch });
    expect(evaluateRating(refit, test).rmse).toBe(Math.min(...seen));
  });

  it('is deterministic, saves and loads through the registry', async () => {
    const a = createModel('mf-rating', { dim: 4, epochs: 3 }) as MfRating;
    const b = createModel('mf-rating', { dim: 4, epochs: 3 }) as MfRating;
    await a.fit(data, { seed: 9 });
    await b.fit(data, { seed: 9 });
    const users = Int32Array.of(0, 1, 2);
    const items = Int32Array.of(3, 4, 5);
    expect(Array.from(b.predict(users, items))).toEqual(Array.from(a.predict(users, items)));
    const dir = await mkdtemp(join(tmpdir(), 'fusionrec-mf-'));
    dirs.push(dir);
    await a.save(dir);
    const back = (await loadModel(dir, 'fp-mf')) as MfRating;
    expect(back).toBeInstanceOf(MfRating);
    expect(Array.from(back.predict(users, items))).toEqual(Array.from(a.predict(users, items)));
    await expect(MfRating.load(dir, 'nope')).rejects.toThrow(MismatchError);
    // A model saved when mf-rating still had its own "patience" parameter loads.
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.params.patience = 3;
    await writeFile(file, JSON.stringify(manifest));
    const old = (await loadModel(dir, 'fp-mf')) as MfRating;
    expect(old.params).toEqual(a.params);
    expect(Array.from(old.predict(users, items))).toEqual(Array.from(a.predict(users, items)));
    expect(() => a.predict(Int32Array.of(999), Int32Array.of(0))).toThrow(InvalidArgumentError);
  });
});
