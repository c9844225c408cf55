/**
 * @module models/kernel-model
 * A recommender made from a fixed ScoringKernel: precomputed item scores, or user and item
 * factors computed elsewhere (content centroids, an external model). Nothing to train; it ranks
 * and evaluates like any other model.
 */
import { NotSupportedError } from '../errors.js';
import { type Ranked, topKRanked } from '../math/topk.js';
import type { FitReport, Recommender, RecommendOptions, ScoringKernel } from './recommender.js';
import { kernelScorer } from './scoring.js';

export class KernelModel implements Recommender {
  readonly params: Readonly<Record<string, unknown>> = {};
  readonly fitted = true;
  readonly nItems: number;
  private readonly score: (users: Int32Array, out: Float32Array) => void;

  constructor(
    readonly name: string,
    private readonly kernel: ScoringKernel,
  ) {
    this.nItems = kernel.nItems;
    this.score = kernelScorer(kernel);
  }

  /** Nothing to learn: the kernel is fixed. */
  async fit(): Promise<FitReport> {
    return { epochs: 0, trainSeconds: 0, losses: [] };
  }

  scoreBatch(users: Int32Array, out: Float32Array): void {
    this.score(users, out);
  }

  scoringKernel(): ScoringKernel {
    return this.kernel;
  }

  recommend(user: number, k: number, options: RecommendOptions = {}): Ranked {
    const s = new Float32Array(this.nItems);
    this.scoreBatch(Int32Array.of(user), s);
    return topKRanked(s, k, options.exclude);
  }

  similarItems(): Ranked {
    throw new NotSupportedError(`model "${this.name}" is a fixed scorer and has no item similarity`);
  }

  async save(): Promise<void> {
    throw new NotSupportedError(`model "${this.name}" is a fixed scorer and cannot be saved`);
  }
}
