/**
 * @module models/lightgcn
 * LightGCN (He, Deng, Wang, Li, Zhang & Wang, "LightGCN: Simplifying and Powering Graph
 * Convolution Network for Recommendation", SIGIR 2020), trained as MMRec's LightGCN: ego
 * embeddings E0 = [U; V] (xavier-uniform), K layers of propagation E_k = Â E_{k-1} over the
 * symmetric-normalised user-item graph, final embeddings F = mean(E_0..E_K), BPR loss on F plus
 * reg · EmbLoss on the batch's ego embeddings, and a dense Adam step on E0 per batch, with the
 * graph convolution recomputed for every batch. Forward and backward run as WebAssembly SIMD on a
 * persistent team of `threads` threads (see propagation.ts); the result does not depend on
 * `threads`. Scoring uses F (recomputed after every epoch), as <F_u, F_i>.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MismatchError, NotFittedError } from '../../errors.js';
import { normalizedAdjacency } from '../../math/spmm.js';
import { xavierUniform } from '../../training/init.js';
import { type ParamsOf, validateParams } from '../../training/params.js';
import { TripleSampler } from '../../training/sampler.js';
import { runEpochs } from '../../training/trainer.js';
import { Rng } from '../../util/rng.js';
import { writeArtifact } from '../artifact.js';
import { FactorRecommender } from '../factor-base.js';
import type { FitOptions, FitReport, TrainingData } from '../recommender.js';
import { assignSlots, batchObjective } from './objective.js';
import { Propagation } from './propagation.js';

/** LightGCN's parameters, their defaults (MMRec's) and valid values. */
export const LIGHTGCN_PARAMS = {
  dim: { type: 'int', default: 64, min: 1 },
  layers: { type: 'int', default: 3, min: 0, max: 16 },
  lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true },
  reg: { type: 'number', default: 1e-4, min: 0 },
  batchSize: { type: 'int', default: 2048, min: 1 },
  threads: { type: 'int', default: 2, min: 1, max: 64 },
} as const;

export type LightGcnParams = ParamsOf<typeof LIGHTGCN_PARAMS>;

/** Adam's constants (torch defaults, as MMRec uses them). */
const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class LightGcn extends FactorRecommender {
  readonly name = 'lightgcn';
  declare readonly params: Readonly<LightGcnParams>;
  /** Ego embeddings E0 (users then items, n x dim) after fit or load. */
  private ego: Float32Array | undefined;

  constructor(params: Record<string, unknown> = {}) {
    super(validateParams('lightgcn', params, LIGHTGCN_PARAMS));
  }

  /** The trained ego embeddings E0 = [U; V] ((nUsers + nItems) x dim). */
  egoEmbeddings(): Float32Array {
    if (!this.ego) throw new NotFittedError(this.name);
    return this.ego;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const { nUsers, nItems } = train;
    const rng = new Rng(options.seed);
    const users0 = xavierUniform(nUsers, p.dim, rng);
    const items0 = xavierUniform(nItems, p.dim, rng);
    const sampler = new TripleSampler(train, { seed: rng.nextU32() | 0 });
    const graph = normalizedAdjacency(train);
    const prop = await Propagation.create(graph, nUsers, {
      dim: p.dim,
      layers: p.layers,
      capacity: 3 * Math.min(p.batchSize, Math.max(1, train.nnz)),
      threads: p.threads,
    });
    try {
      prop.setEmbeddings(users0, items0);
      this.fingerprint = data.fingerprint;
      const userFactors = new Float32Array(nUsers * p.dim);
      const itemFactors = new Float32Array(nItems * p.dim);
      let step = 0;
      const report = await runEpochs(options, () => {
        let loss = 0;
        let batches = 0;
        for (const batch of sampler.epoch(p.batchSize)) {
          assignSlots(prop, batch, nUsers);
          prop.zeroGradients();
          prop.forward();
          loss += batchObjective(prop, batch, nUsers, p.reg);
          prop.backwardAdam({ lr: p.lr, ...ADAM, t: ++step });
          prop.clearBatch();
          batches++;
        }
        // The runner evaluates the current state after each epoch: score with the new F.
        prop.finals(userFactors, itemFactors);
        this.setFactors({ dim: p.dim, userFactors, itemFactors });
        return batches > 0 ? loss / batches : Number.NaN;
      });
      this.ego = prop.embeddings();
      return report;
    } finally {
      await prop.close();
    }
  }

  /** Writes F (the scoring factors), E0 and the parameters. */
  override async save(dir: string): Promise<void> {
    const f = this.getFactors();
    await writeArtifact(
      dir,
      {
        model: this.name,
        params: { ...this.params },
        dims: { users: this.nUsers, items: this.nItems, dim: f.dim },
        fingerprint: this.fingerprint,
      },
      { userFactors: f.userFactors, itemFactors: f.itemFactors, ego: this.egoEmbeddings() },
    );
  }

  /** Loads a saved LightGCN; a different `fingerprint` throws MismatchError. */
  static async load(dir: string, fingerprint?: string): Promise<LightGcn> {
    const loaded = await FactorRecommender.loadFactors(dir, 'lightgcn', fingerprint);
    const { params, tables } = loaded.manifest;
    const model = new LightGcn(params).restore(loaded);
    const spec = tables.ego;
    const expected = (model.nUsers + model.nItems) * loaded.dim;
    if (spec?.dtype !== 'float32' || spec.length !== expected) {
      throw new MismatchError(`${dir}: table "ego" must hold ${expected} float32 values`);
    }
    const bytes = await readFile(join(dir, spec.file));
    if (bytes.byteLength !== expected * 4) {
      throw new MismatchError(`${dir}: ${spec.file} has ${bytes.byteLength} bytes, expected ${expected * 4}`);
    }
    const ego = new Float32Array(expected);
    new Uint8Array(ego.buffer).set(bytes);
    model.ego = ego;
    return model;
  }
}
