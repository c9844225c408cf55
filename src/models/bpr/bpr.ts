/**
 * @module models/bpr
 * BPR-MF (Rendle, Freudenthaler, Gantner & Schmidt-Thieme, "BPR: Bayesian Personalized Ranking
 * from Implicit Feedback", UAI 2009) trained as MMRec's BPR (src/models/bpr.py): xavier-normal
 * user and item embeddings (MMRec's `self.apply(xavier_normal_initialization)`), shuffled training
 * pairs with uniform negatives, loss mean(−log σ(<u,i> − <u,j>)) + reg · EmbLoss(u_b, i_b, j_b),
 * dense Adam over every row as torch's Adam (or lazy Adam on the batch's rows, or SGD).
 * With `loss: 'bce'` the same model trains on binary cross-entropy with sampled negatives (for
 * click data): per pair −log σ(<u,i>) − Σ_j log(1 − σ(<u,j>)) over its `negatives` sampled
 * negatives (each weighted 1), averaged over the batch's positives, plus the same EmbLoss.
 * Optional Hogwild training on worker threads (Recht et al., NIPS 2011) with `threads > 1`,
 * for either loss; Hogwild always takes lazy Adam steps (dense steps over whole tables cannot be
 * shared between threads without locks).
 */
import { adamState } from '../../training/adam.js';
import { xavierNormal, xavierUniform } from '../../training/init.js';
import { type ParamsOf, validateParams } from '../../training/params.js';
import { TripleSampler } from '../../training/sampler.js';
import { runEpochs } from '../../training/trainer.js';
import { Rng } from '../../util/rng.js';
import { FactorRecommender } from '../factor-base.js';
import type { FitOptions, FitReport, TrainingData } from '../recommender.js';
import { type BprStepOptions, BprStepper, type BprTables } from './bpr-core.js';
import { HogwildPool } from './bpr-hogwild.js';

/** BPR's parameters, their defaults (MMRec's) and valid values. */
export const BPR_PARAMS = {
  dim: { type: 'int', default: 64, min: 1 },
  lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true },
  reg: { type: 'number', default: 1e-4, min: 0 },
  batchSize: { type: 'int', default: 2048, min: 1 },
  negatives: { type: 'int', default: 1, min: 1 },
  /** 'bpr': pairwise BPR; 'bce': pointwise binary cross-entropy with sampled negatives. */
  loss: { type: 'choice', default: 'bpr', choices: ['bpr', 'bce'] },
  /** MMRec's BPR initialises both tables xavier-normal (std sqrt(2 / (rows + dim))). */
  init: { type: 'choice', default: 'xavier-normal', choices: ['xavier-uniform', 'xavier-normal'] },
  optimizer: { type: 'choice', default: 'adam', choices: ['adam', 'sgd'] },
  /**
   * 'dense': every row steps each batch, as torch.optim.Adam in MMRec; 'lazy': only the batch's
   * rows (per-row bias correction). With threads > 1 (Hogwild) the lazy step is used.
   */
  adam: { type: 'choice', default: 'dense', choices: ['dense', 'lazy'] },
  threads: { type: 'int', default: 1, min: 1, max: 64 },
} as const;

export type BprParams = ParamsOf<typeof BPR_PARAMS>;

/** Bayesian Personalized Ranking over matrix factorisation. */
export class Bpr extends FactorRecommender {
  readonly name = 'bpr';
  declare readonly params: Readonly<BprParams>;

  constructor(params: Record<string, unknown> = {}) {
    super(validateParams('bpr', params, BPR_PARAMS));
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const rng = new Rng(options.seed);
    const init = p.init === 'xavier-normal' ? xavierNormal : xavierUniform;
    const shared = p.threads > 1;
    const share = (a: Float32Array): Float32Array => {
      if (!shared) return a;
      const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
      s.set(a);
      return s;
    };
    const tables: BprTables = {
      userFactors: share(init(train.nUsers, p.dim, rng)),
      itemFactors: share(init(train.nItems, p.dim, rng)),
    };
    if (p.optimizer === 'adam') {
      tables.userState = adamState(tables.userFactors.length, p.dim, shared);
      tables.itemState = adamState(tables.itemFactors.length, p.dim, shared);
    }
    this.fingerprint = data.fingerprint;
    // Scoring reads the live tables: the runner evaluates the current state after each epoch.
    this.setFactors({ dim: p.dim, userFactors: tables.userFactors, itemFactors: tables.itemFactors });
    const samplerSeed = rng.nextU32() | 0;
    const stepOptions: BprStepOptions = {
      dim: p.dim,
      lr: p.lr,
      reg: p.reg,
      negatives: p.negatives,
      optimizer: p.optimizer,
      adam: shared ? 'lazy' : p.adam,
      loss: p.loss,
    };
    const sampler = new TripleSampler(train, {
      seed: samplerSeed,
      negatives: p.negatives,
      ...(shared ? { part: 0, parts: p.threads } : {}),
    });
    const stepper = new BprStepper(tables, stepOptions);
    const mainPart = (): { loss: number; batches: number } => {
      let loss = 0;
      let batches = 0;
      for (const batch of sampler.epoch(p.batchSize)) {
        loss += stepper.step(batch);
        batches++;
      }
      return { loss, batches };
    };
    if (!shared) {
      return runEpochs(options, () => {
        const r = mainPart();
        this.factorsUpdated();
        return r.batches > 0 ? r.loss / r.batches : Number.NaN;
      });
    }
    const pool = await HogwildPool.start(p.threads - 1, {
      train,
      tables,
      stepOptions,
      samplerSeed,
      batchSize: p.batchSize,
      parts: p.threads,
    });
    try {
      return await runEpochs(options, async () => {
        const others = pool.epoch();
        const mine = mainPart();
        const rest = await others;
        this.factorsUpdated();
        const loss = mine.loss + rest.loss;
        const batches = mine.batches + rest.batches;
        return batches > 0 ? loss / batches : Number.NaN;
      });
    } finally {
      await pool.close();
    }
  }

  /** Loads a saved BPR model, checking the dataset fingerprint when given. */
  static async load(dir: string, fingerprint?: string): Promise<Bpr> {
    const loaded = await FactorRecommender.loadFactors(dir, 'bpr', fingerprint);
    const model = new Bpr(loaded.manifest.params);
    return model.restore(loaded);
  }
}
