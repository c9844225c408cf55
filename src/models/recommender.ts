/**
 * @module models/recommender
 * The recommender interface every model implements (fit, score, recommend, similar items,
 * save, load), the data handed to fit(), and the scoring kernels that let evaluation run in
 * worker threads without the model object.
 */
import type { Interactions } from '../data/interactions.js';
import type { Ranked } from '../math/topk.js';
import type { FeatureModality } from '../modalities/modality.js';

/** What a model is trained on. Models see dense indices only. */
export interface TrainingData {
  readonly train: Interactions;
  /** Validation interactions (for models that tune themselves; the runner drives early stopping). */
  readonly valid?: Interactions;
  /** Item feature modalities (row i = item i). */
  readonly modalities: readonly FeatureModality[];
  /** Identifies the dataset and split; written into saved manifests and checked on load. */
  readonly fingerprint: string;
}

/** Reported after each training epoch. */
export interface EpochInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss of the epoch (NaN for models without a loss). */
  loss: number;
  /** Wall seconds the epoch's training took (evaluation excluded). */
  seconds: number;
}

export type EpochDecision = 'continue' | 'stop';

export interface FitOptions {
  /** Seed of every random draw the model makes. */
  seed: number;
  /** Upper bound on epochs for iterative models. */
  maxEpochs?: number;
  /**
   * Called after each epoch with the model in its current state; returning "stop" ends
   * training (early stopping lives in the caller, as in MMRec's trainer).
   */
  onEpochEnd?: (info: EpochInfo) => EpochDecision | Promise<EpochDecision>;
}

export interface FitReport {
  epochs: number;
  /** Training seconds summed over epochs (evaluation excluded). */
  trainSeconds: number;
  losses: number[];
}

/**
 * A self-contained description of how to score users, made of typed arrays only, so that a
 * worker thread can score without the model object. Models that cannot express themselves this
 * way are scored on the main thread through scoreBatch().
 */
export type ScoringKernel =
  /** The same score vector for every user (non-personalised models). */
  | { kind: 'item-scores'; nItems: number; itemScores: Float32Array }
  /** score(u, i) = <U[u], V[i]> (+ itemBias[i]). */
  | {
      kind: 'dot';
      nUsers: number;
      nItems: number;
      dim: number;
      userFactors: Float32Array;
      itemFactors: Float32Array;
      itemBias?: Float32Array;
    };

export interface RecommendOptions {
  /** Items to leave out (e.g. the user's training items); true where excluded. */
  exclude?: (item: number) => boolean;
}

/**
 * One additive part of an item's scoring vector: the parts of an item sum to its row of the
 * 'dot' kernel's item table, so <user, part.vector> is that part's share of the score.
 * Names: "collaborative" (ID embeddings), a modality name ("text", "audio"…), or "bias".
 */
export interface ItemVectorPart {
  name: string;
  vector: Float32Array;
  /** A constant added to the score by this part (e.g. an item bias); 0 when absent. */
  offset?: number;
}

export interface Recommender {
  /** Registry name, e.g. "popularity", "bpr". */
  readonly name: string;
  /** Hyper-parameters as given (after defaults). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly fitted: boolean;
  /** Item count the model scores (valid after fit/load). */
  readonly nItems: number;

  fit(data: TrainingData, options: FitOptions): Promise<FitReport>;
  /** Writes the scores of all items for each of `users` into `out` (row-major, users.length x nItems). */
  scoreBatch(users: Int32Array, out: Float32Array): void;
  /** A worker-friendly scorer, when the model has one. */
  scoringKernel?(): ScoringKernel;
  /** Top-k items for one user. */
  recommend(user: number, k: number, options?: RecommendOptions): Ranked;
  /** Top-k items most similar to `item` (the item itself excluded). */
  similarItems(item: number, k: number): Ranked;
  /** Writes a versioned artifact (manifest.json + binary tables) into `dir`. */
  save(dir: string): Promise<void>;
  /** Learned quantities worth reporting after training (e.g. modality and layer weights). */
  describe?(): Record<string, unknown>;
  /**
   * Explanations (content models): the additive parts of item `item`'s scoring vector, by
   * source. Models without it are wholly "collaborative".
   */
  explainItem?(item: number): ItemVectorPart[];
  /**
   * The scoring vector of an item known only by its content (added after training): raw
   * feature vectors by modality name, as the encoder produced them (undefined = missing).
   * Returns a row for the 'dot' kernel's item table. Content models only.
   */
  contentItemVector?(features: Readonly<Record<string, Float32Array | undefined>>): Float32Array;
}
