/**
 * @module experiment/spaces
 * The default search space of every registered model: the few parameters that matter for it
 * (learning rate, regularisation, dropout, depth, FREEDOM's kNN k and modality-graph weights…),
 * in the domains of experiment/tune (lists, log-uniform, uniform, integer ranges). Ranges stay
 * inside what each model's parameter validation accepts (models/ * /params.ts or the model file).
 *
 * Embedding width, batch size and thread counts are left alone: they change the cost of an epoch
 * more than the quality reached, and a time-budgeted search would otherwise favour the cheapest.
 * Iterative models get continuous domains (successive halving draws from them); the
 * non-iterative ones (popularity, itemknn) get a small grid, run in full.
 */
import { InvalidArgumentError } from '../errors.js';
import { getModel } from '../models/registry.js';
import type { SearchSpace } from './tune.js';

/** What a space may depend on: the dataset's modality names that the model will use. */
export interface SpaceContext {
  /** Modalities the model sees, in dataset order (FREEDOM's graph weights are named by them). */
  modalities?: readonly string[];
}

/** Weight shares tried for the leading modality of FREEDOM's item-item graphs. */
const LEAD_SHARES = [0.5, 0.7, 0.8, 0.9, 0.95];

/**
 * FREEDOM's `weights` choices: "auto" (MMRec's text 0.9 / rest 0.1) and the leading modality
 * ("text" when present, else the first) at each share of {@link LEAD_SHARES}, the others sharing
 * the rest equally. One modality (or none): only "auto" (a single graph has nothing to weigh).
 */
export function freedomWeightChoices(modalities: readonly string[]): string[] {
  if (modalities.length < 2) return ['auto'];
  const lead = modalities.includes('text') ? 'text' : modalities[0]!;
  const rest = modalities.filter((m) => m !== lead);
  const round = (x: number) => Number(x.toPrecision(4));
  return [
    'auto',
    ...LEAD_SHARES.map((s) =>
      [`${lead}=${s}`, ...rest.map((m) => `${m}=${round((1 - s) / rest.length)}`)].join(','),
    ),
  ];
}

type SpaceMaker = (ctx: SpaceContext) => SearchSpace;

const SPACES: Record<string, SpaceMaker> = {
  popularity: () => ({}),
  itemknn: () => ({ k: [10, 20, 50, 100, 200], shrink: [0, 10, 50] }),
  bpr: () => ({ lr: { log: [1e-4, 2e-2] }, reg: { log: [1e-6, 1e-1] } }),
  lightgcn: () => ({ lr: { log: [3e-4, 1e-2] }, reg: { log: [1e-6, 1e-1] }, layers: [1, 2, 3, 4] }),
  'mf-rating': () => ({ lr: { log: [1e-3, 3e-2] }, reg: { log: [1e-4, 0.3] } }),
  vbpr: () => ({ lr: { log: [1e-4, 1e-2] }, reg: { log: [1e-5, 2] } }),
  freedom: (ctx) => ({
    lr: { log: [5e-4, 1e-2] },
    dropout: { uniform: [0.5, 0.97] },
    knnK: [5, 10, 20, 40],
    uiLayers: [1, 2, 3],
    weights: freedomWeightChoices(ctx.modalities ?? []),
  }),
  fusion: () => ({
    lr: { log: [1e-3, 2e-2] },
    reg: { log: [1e-6, 1e-2] },
    dropout: { uniform: [0, 0.5] },
    layers: [1, 2, 3],
    fusion: ['weighted', 'attention'],
  }),
};

/** Names of the models that have a default space. */
export function spaceModelNames(): string[] {
  return Object.keys(SPACES).sort();
}

/**
 * The default search space of `model` (a fresh object). Throws InvalidArgumentError for an
 * unknown model, or a registered one without a default space (a new model must add one here).
 */
export function defaultSpace(model: string, ctx: SpaceContext = {}): SearchSpace {
  getModel(model); // unknown names fail with the registry's list
  const make = SPACES[model];
  if (!make) {
    throw new InvalidArgumentError(
      `model "${model}" has no default search space; pass one explicitly (models with one: ${spaceModelNames().join(', ')})`,
    );
  }
  return make(ctx);
}

/** `space` without the parameters fixed by the caller (they are not searched). */
export function withoutFixed(space: SearchSpace, fixed: Record<string, unknown>): SearchSpace {
  return Object.fromEntries(Object.entries(space).filter(([k]) => !(k in fixed)));
}
