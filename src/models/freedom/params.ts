/**
 * @module models/freedom/params
 * FREEDOM's hyper-parameters: names, defaults (MMRec's FREEDOM.yaml and overall.yaml, with the
 * grid values MMRec searches chosen on validation; see models/freedom) and validation, plus the
 * two string parameters: which modalities to use and how to weigh their item-item graphs.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type ParamsOf, validateParams } from '../../training/params.js';

/** Numeric and choice parameters. */
export const FREEDOM_PARAMS = {
  /** Embedding width (MMRec embedding_size = feat_embed_dim = 64). */
  dim: { type: 'int', default: 64, min: 1 },
  /** Neighbours per item in each modality's kNN graph (knn_k). */
  knnK: { type: 'int', default: 10, min: 1 },
  /** Propagation depth over the item-item graph (n_mm_layers). */
  mmLayers: { type: 'int', default: 1, min: 0, max: 8 },
  /** LightGCN depth over the user-item graph (n_ui_layers). */
  uiLayers: { type: 'int', default: 2, min: 0, max: 16 },
  /** Share of training edges dropped by degree-sensitive pruning before each epoch (MMRec grid 0.8, 0.9). */
  dropout: { type: 'number', default: 0.9, min: 0, max: 0.99 },
  /** Weight of the projected-feature BPR losses (reg_weight; MMRec grid 0, 1e-5, 1e-4, 1e-3). */
  reg: { type: 'number', default: 0, min: 0 },
  lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true },
  batchSize: { type: 'int', default: 2048, min: 1 },
  /** Feature normalisation before the kNN graphs and as the projections' input (see vbpr/features). */
  normalize: { type: 'choice', default: 'none', choices: ['none', 'l2', 'standard'] },
  /**
   * Items without training interactions: 'learned' scores them as MMRec does (their own ID
   * embedding, trained only as negatives and through neighbours, plus the neighbour average);
   * 'content' from the neighbour average of ID embeddings only; 'neighbours' as the weighted mean
   * of their warm content neighbours' scoring rows.
   */
  coldItems: { type: 'choice', default: 'neighbours', choices: ['learned', 'content', 'neighbours'] },
  threads: { type: 'int', default: 2, min: 1, max: 64 },
} as const;

export type FreedomParams = ParamsOf<typeof FREEDOM_PARAMS> & {
  /** 'all' or a comma list of modality names. */
  modalities: string;
  /**
   * 'auto' or "name=weight,…": the weights of the modalities' item-item graphs (renormalised to
   * sum to 1). 'auto' follows MMRec (mm_image_weight 0.1): with a modality named "text" and
   * others, text gets 0.9 and the others share 0.1; otherwise all weigh the same.
   */
  weights: string;
};

const STRING_PARAMS = ['modalities', 'weights'];

/** Validates raw parameters (unknown names, types, ranges) and fills defaults. */
export function resolveFreedomParams(raw: Record<string, unknown>): FreedomParams {
  const { modalities = 'all', weights = 'auto', ...rest } = raw;
  for (const key of Object.keys(rest)) {
    if (!(key in FREEDOM_PARAMS)) {
      throw new InvalidArgumentError(
        `freedom: unknown parameter "${key}". Valid parameters: ${[...Object.keys(FREEDOM_PARAMS), ...STRING_PARAMS].join(', ')}`,
      );
    }
  }
  if (typeof modalities !== 'string' || modalities.trim() === '') {
    throw new InvalidArgumentError(
      `freedom: parameter "modalities" must be "all" or a comma list of modality names, got ${JSON.stringify(modalities)}`,
    );
  }
  if (typeof weights !== 'string') {
    throw new InvalidArgumentError(
      `freedom: parameter "weights" must be "auto" or "name=weight,…", got ${JSON.stringify(weights)}`,
    );
  }
  parseWeightSpec(weights); // syntax errors now, names once the modalities are known
  return { ...validateParams('freedom', rest, FREEDOM_PARAMS), modalities, weights };
}

/** "text=0.9,audio=0.1" -> Map (undefined for "auto"). */
export function parseWeightSpec(spec: string): Map<string, number> | undefined {
  if (spec.trim() === 'auto') return undefined;
  const out = new Map<string, number>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = Number(part.slice(eq + 1));
    if (eq < 0 || name === '' || !Number.isFinite(value) || value < 0 || out.has(name)) {
      throw new InvalidArgumentError(
        `freedom: parameter "weights" must be "auto" or "name=weight,…" with distinct names and weights >= 0, got "${spec}"`,
      );
    }
    out.set(name, value);
  }
  return out;
}

/** The item-item graph weight of each modality (in `names` order), summing to 1. */
export function modalityWeights(spec: string, names: readonly string[]): number[] {
  const given = parseWeightSpec(spec);
  let w: number[];
  if (!given) {
    const text = names.indexOf('text');
    w =
      text >= 0 && names.length > 1
        ? names.map((n) => (n === 'text' ? 0.9 : 0.1 / (names.length - 1)))
        : names.map(() => 1);
  } else {
    for (const name of given.keys()) {
      if (!names.includes(name)) {
        throw new InvalidArgumentError(
          `freedom: "weights" names modality "${name}", which is not used; used modalities: ${names.join(', ')}`,
        );
      }
    }
    w = names.map((n) => {
      const v = given.get(n);
      if (v === undefined) {
        throw new InvalidArgumentError(`freedom: "weights" gives no weight for modality "${n}"`);
      }
      return v;
    });
  }
  const sum = w.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new InvalidArgumentError('freedom: the modality weights must not all be 0');
  return w.map((x) => x / sum);
}
