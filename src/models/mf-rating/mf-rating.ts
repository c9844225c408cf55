/**
 * @module models/mf-rating
 * Biased matrix factorisation for explicit ratings (Koren, Bell & Volinsky, "Matrix
 * Factorization Techniques for Recommender Systems", IEEE Computer 2009; Funk's SVD):
 * r̂(u, i) = μ + b_u + b_i + <p_u, q_i>, trained on the rating values of the training matrix by
 * mini-batch gradient descent (lazy Adam or SGD) on
 * (1/B) Σ_b [(r̂_b − r_b)² + reg (||p_u||² + ||q_i||² + b_u² + b_i²)], μ fixed to the training mean.
 * Early stopping is the caller's (the runner's onEpochEnd), as for every iterative model; RMSE/MAE
 * of a trained model: ./evaluate-rating.
 */
import { InvalidArgumentError } from '../../errors.js';
import { Adam, RowGradients, type RowOptimizer, Sgd } from '../../training/adam.js';
import { normalInit } from '../../training/init.js';
import { type ParamsOf, validateParams } from '../../training/params.js';
import { runEpochs } from '../../training/trainer.js';
import { Rng } from '../../util/rng.js';
import { FactorRecommender } from '../factor-base.js';
import type { FitOptions, FitReport, TrainingData } from '../recommender.js';

/** mf-rating's parameters, their defaults and valid values. */
export const MF_RATING_PARAMS = {
  dim: { type: 'int', default: 32, min: 1 },
  lr: { type: 'number', default: 0.005, min: 0, exclusiveMin: true },
  reg: { type: 'number', default: 0.02, min: 0 },
  batchSize: { type: 'int', default: 1024, min: 1 },
  /** Epoch bound (FitOptions.maxEpochs, when smaller, wins). */
  epochs: { type: 'int', default: 50, min: 1 },
  /** Standard deviation of the normal initialisation of p and q (biases start at 0). */
  initStd: { type: 'number', default: 0.01, min: 0 },
  /** SGD steps on the batch mean: it needs a much larger lr than Adam (e.g. 0.5 or more). */
  optimizer: { type: 'choice', default: 'adam', choices: ['adam', 'sgd'] },
} as const;

export type MfRatingParams = ParamsOf<typeof MF_RATING_PARAMS>;

/** Biased MF trained with squared error on explicit ratings. */
export class MfRating extends FactorRecommender {
  readonly name = 'mf-rating';
  declare readonly params: Readonly<MfRatingParams>;

  constructor(params: Record<string, unknown> = {}) {
    super(validateParams('mf-rating', params, MF_RATING_PARAMS));
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const n = train.nnz;
    if (n === 0) throw new InvalidArgumentError('mf-rating: the training matrix holds no ratings');
    const d = p.dim;
    const rng = new Rng(options.seed);
    const P = normalInit(train.nUsers, d, p.initStd, rng);
    const Q = normalInit(train.nItems, d, p.initStd, rng);
    const bu = new Float32Array(train.nUsers);
    const bi = new Float32Array(train.nItems);
    let sum = 0;
    for (let k = 0; k < n; k++) sum += train.values[k]!;
    const mu = Math.fround(sum / n); // stored as float32 in artifacts
    this.fingerprint = data.fingerprint;
    this.setFactors({ dim: d, userFactors: P, itemFactors: Q, userBias: bu, itemBias: bi, globalBias: mu });

    const opt = (t: Float32Array, rowSize: number): RowOptimizer =>
      p.optimizer === 'adam' ? new Adam(t, rowSize, { lr: p.lr }) : new Sgd(t, rowSize, { lr: p.lr });
    const optP = opt(P, d);
    const optQ = opt(Q, d);
    const optBu = opt(bu, 1);
    const optBi = opt(bi, 1);
    const gP = new RowGradients(train.nUsers, d, p.batchSize);
    const gQ = new RowGradients(train.nItems, d, p.batchSize);
    const gBu = new RowGradients(train.nUsers, 1, p.batchSize);
    const gBi = new RowGradients(train.nItems, 1, p.batchSize);
    const decayU = new Float32Array(train.nUsers);
    const decayI = new Float32Array(train.nItems);

    const pairUsers = new Int32Array(n);
    for (let u = 0; u < train.nUsers; u++) pairUsers.fill(u, train.indptr[u]!, train.indptr[u + 1]!);
    const order = new Int32Array(n);
    const shuffle = rng.fork();
    const reg = p.reg;
    const maxEpochs = Math.min(p.epochs, options.maxEpochs ?? Number.POSITIVE_INFINITY);

    const epoch = (): number => {
      for (let k = 0; k < n; k++) order[k] = k;
      shuffle.shuffle(order);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < n; start += p.batchSize) {
        const size = Math.min(p.batchSize, n - start);
        const c = 2 / size;
        let batchLoss = 0;
        for (let b = 0; b < size; b++) {
          const k = order[start + b]!;
          const u = pairUsers[k]!;
          const i = train.indices[k]!;
          const nu0 = gP.count;
          const ni0 = gQ.count;
          const su = gP.slot(u);
          const si = gQ.slot(i);
          const sbu = gBu.slot(u);
          const sbi = gBi.slot(i);
          if (gP.count !== nu0) decayU[su] = 0; // new slots
          if (gQ.count !== ni0) decayI[si] = 0;
          decayU[su]! += reg * c;
          decayI[si]! += reg * c;
          const uo = u * d;
          const io = i * d;
          let dot = 0;
          let sq = 0;
          for (let j = 0; j < d; j++) {
            const x = P[uo + j]!;
            const y = Q[io + j]!;
            dot += x * y;
            sq += x * x + y * y;
          }
          const e = mu + bu[u]! + bi[i]! + dot - train.values[k]!;
          batchLoss += e * e + reg * (sq + bu[u]! * bu[u]! + bi[i]! * bi[i]!);
          const g = c * e;
          const GP = gP.grads;
          const GQ = gQ.grads;
          for (let j = 0; j < d; j++) {
            GP[su * d + j]! += g * Q[io + j]!;
            GQ[si * d + j]! += g * P[uo + j]!;
          }
          gBu.grads[sbu]! += g;
          gBi.grads[sbi]! += g;
        }
        // Bias rows share the factor rows' slots' order, so their decay is the same per slot.
        optP.stepRows(gP.rows, gP.grads, gP.count, decayU);
        optQ.stepRows(gQ.rows, gQ.grads, gQ.count, decayI);
        optBu.stepRows(gBu.rows, gBu.grads, gBu.count, decayU);
        optBi.stepRows(gBi.rows, gBi.grads, gBi.count, decayI);
        gP.reset();
        gQ.reset();
        gBu.reset();
        gBi.reset();
        lossSum += batchLoss / size;
        batches++;
      }
      this.factorsUpdated();
      return lossSum / batches;
    };
    return runEpochs({ ...options, maxEpochs }, epoch);
  }

  /** Predicted ratings r̂(users[k], items[k]). */
  predict(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) {
      throw new InvalidArgumentError(
        `predict: users and items must have the same length, got ${users.length} and ${items.length}`,
      );
    }
    const f = this.getFactors();
    const d = f.dim;
    const out = new Float32Array(users.length);
    for (let k = 0; k < users.length; k++) {
      const u = users[k]!;
      const i = items[k]!;
      if (!(u >= 0 && u < this.nUsers && i >= 0 && i < this.nItems)) {
        throw new InvalidArgumentError(
          `predict: (user ${u}, item ${i}) outside ${this.nUsers} x ${this.nItems}`,
        );
      }
      let s = (f.globalBias ?? 0) + (f.userBias?.[u] ?? 0) + (f.itemBias?.[i] ?? 0);
      for (let j = 0; j < d; j++) s += f.userFactors[u * d + j]! * f.itemFactors[i * d + j]!;
      out[k] = s;
    }
    return out;
  }

  /** Loads a saved mf-rating model, checking the dataset fingerprint when given. */
  static async load(dir: string, fingerprint?: string): Promise<MfRating> {
    const loaded = await FactorRecommender.loadFactors(dir, 'mf-rating', fingerprint);
    // Models saved before early stopping moved to the runner carry a "patience" parameter.
    const { patience: _dropped, ...params } = loaded.manifest.params;
    return new MfRating(params).restore(loaded);
  }
}
