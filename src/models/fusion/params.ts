/**
 * @module models/fusion/params
 * The fusion model's parameters, their defaults and valid values (validated by
 * training/params.validateParams; `modalities` is a free string).
 */
import { InvalidArgumentError } from '../../errors.js';
import { type ParamsOf, validateParams } from '../../training/params.js';

export const FUSION_STRATEGIES = ['concat', 'weighted', 'attention', 'transformer'] as const;
export type FusionStrategyName = (typeof FUSION_STRATEGIES)[number];

export const FUSION_PARAMS = {
  /** Width of the common space: user vectors, item ID embeddings, modality tokens. */
  dim: { type: 'int', default: 64, min: 1 },
  /** How modality tokens become one content vector (see models/fusion/strategies). */
  fusion: { type: 'choice', default: 'weighted', choices: FUSION_STRATEGIES },
  /** Per-modality projection into the common space: one linear layer, or linear-GELU-linear. */
  projection: { type: 'choice', default: 'linear', choices: ['linear', 'mlp'] },
  /** Feature normalisation before projection. */
  normalize: { type: 'choice', default: 'l2', choices: ['l2', 'standard', 'none'] },
  /** Item ID embedding added to the content vector ('off': items are their content only). */
  itemId: { type: 'choice', default: 'on', choices: ['on', 'off'] },
  /**
   * LightGCN propagation layers over the user-item graph (0: a plain two-tower model, which only
   * runs the item tower over each batch's items: the cheaper choice for very large catalogs).
   * On Last.fm-2k: test recall@20 0.3905 with 0 layers, 0.4243 with 2, 0.4238 with 3 (lr 5e-3).
   */
  layers: { type: 'int', default: 2, min: 0, max: 8 },
  /**
   * With graph layers: the item tower (projections + fusion over every item) runs once per this
   * many batches instead of for every batch; its output collects the exact gradient of those
   * batches' losses and the tower's weights take one Adam step when the group ends (user vectors
   * and item ID embeddings still step every batch). 1 = every batch (the cost grows as
   * batches x items: 3 s/epoch on MovieLens); 0 = once per epoch. Default 1 (the trained numbers
   * of earlier versions): 8 made a graph epoch 2.5-3.4x faster on MovieLens, but at equal epochs
   * one of two seeds lost test Recall@20 significantly (BENCHMARKS.md "Scale curves"), so it is
   * an opt-in until converged runs are compared.
   */
  towerEvery: { type: 'int', default: 1, min: 0 },
  /**
   * With graph layers: share of training edges dropped before every epoch by FREEDOM's
   * degree-sensitive pruning (models/freedom/pruning; edges between low-degree nodes are the likeliest
   * to stay), training only; scoring uses the full graph. 0 = off. On Last.fm-2k it lowers valid
   * recall@20 at every rate tried (0.3-0.9: 0.4065-0.4160 against 0.4203 without;
   * bench/results/sweeps/lfm2k-fusion-sweep4.md).
   */
  edgeDropout: { type: 'number', default: 0, min: 0, max: 0.99 },
  /**
   * Popularity debiasing at training time (BPR only): each positive (u, i) is weighted by
   * n_i^-ipsBeta (n_i: the item's training interactions) in a self-normalised inverse-propensity
   * BPR loss (Saito et al. 2020), so popular items contribute less to the ranking the model learns.
   * 0 = off (the plain mean). The trade-off against re-ranking: BENCHMARKS.md "Fairness trade-offs".
   */
  ipsBeta: { type: 'number', default: 0, min: 0, max: 2 },
  /** Training objective: BPR (implicit), BCE with sampled negatives (clicks), MSE (ratings). */
  loss: { type: 'choice', default: 'bpr', choices: ['bpr', 'bce', 'mse'] },
  /** Sampled negatives per positive for BCE (BPR uses one). */
  negatives: { type: 'int', default: 4, min: 1 },
  /** Adam step (5e-3: MMRec's 1e-3 needs 3x the epochs for the same validation recall here). */
  lr: { type: 'number', default: 0.005, min: 0, exclusiveMin: true },
  /** EmbLoss weight on the batch's user and item ID embeddings (MMRec's reg_weight). */
  reg: { type: 'number', default: 1e-4, min: 0 },
  /** L2 weight decay on the projection and fusion weights. */
  weightDecay: { type: 'number', default: 0, min: 0 },
  /** Dropout on the modality tokens while training. */
  dropout: { type: 'number', default: 0.1, min: 0, max: 0.9 },
  /** Probability of hiding a whole modality of an item while training (robustness to missing ones). */
  modalityDropout: { type: 'number', default: 0, min: 0, max: 0.9 },
  /** Weight of the InfoNCE loss aligning the modality tokens of each item (0: off). */
  align: { type: 'number', default: 0, min: 0 },
  /** InfoNCE temperature. */
  temperature: { type: 'number', default: 0.2, min: 0, exclusiveMin: true },
  /** Transformer fusion: encoder layers, attention heads. */
  fusionLayers: { type: 'int', default: 2, min: 1, max: 8 },
  heads: { type: 'int', default: 2, min: 1 },
  batchSize: { type: 'int', default: 2048, min: 1 },
  /** Negatives drawn from all items (MMRec) or only from items with training interactions (cold-start training). */
  negativeItems: { type: 'choice', default: 'all', choices: ['all', 'warm'] },
  /** 'content': items without training interactions are scored from content only (ID part zeroed). */
  coldItems: { type: 'choice', default: 'content', choices: ['content', 'learned'] },
} as const;

export type FusionParams = ParamsOf<typeof FUSION_PARAMS> & {
  /** 'all' or a comma list of modality names. */
  modalities: string;
};

export function resolveFusionParams(raw: Record<string, unknown>): FusionParams {
  const { modalities = 'all', ...rest } = raw;
  for (const key of Object.keys(rest)) {
    if (!(key in FUSION_PARAMS)) {
      throw new InvalidArgumentError(
        `fusion: unknown parameter "${key}". Valid parameters: ${[...Object.keys(FUSION_PARAMS), 'modalities'].join(', ')}`,
      );
    }
  }
  if (typeof modalities !== 'string' || modalities.trim() === '') {
    throw new InvalidArgumentError(
      `fusion: parameter "modalities" must be "all" or a comma list of modality names, got ${JSON.stringify(modalities)}`,
    );
  }
  const p = { ...validateParams('fusion', rest, FUSION_PARAMS), modalities };
  if (p.fusion === 'transformer' && p.dim % p.heads !== 0) {
    throw new InvalidArgumentError(`fusion: dim ${p.dim} must be divisible by heads ${p.heads}`);
  }
  return p;
}
