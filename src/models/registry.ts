/**
 * @module models/registry
 * The table of models by name: how to create one from params and how to load a saved one.
 * New models register here (BPR, LightGCN, ItemKNN, VBPR… in later issues).
 */
import { InvalidArgumentError } from '../errors.js';
import { guardFit } from '../sizing/check.js';
import { readManifest } from './artifact.js';
import { Bpr } from './bpr/bpr.js';
import { Freedom } from './freedom/freedom.js';
import { Fusion } from './fusion/fusion.js';
import { ItemKnn } from './item-knn/item-knn.js';
import { LightGcn } from './lightgcn/lightgcn.js';
import { MfRating } from './mf-rating/mf-rating.js';
import { Popularity } from './popularity/popularity.js';
import type { Recommender } from './recommender.js';
import { Vbpr } from './vbpr/vbpr.js';

export interface ModelEntry {
  readonly name: string;
  readonly description: string;
  /** Whether training runs for several epochs (and so benefits from early stopping). */
  readonly iterative: boolean;
  /**
   * Whether the server can serve it: its trained model has user and item vectors scored by a dot
   * product (checked before a training job is accepted).
   */
  readonly servable?: boolean;
  create(params: Record<string, unknown>): Recommender;
  load(dir: string, fingerprint?: string): Promise<Recommender>;
}

const entries = new Map<string, ModelEntry>();

export function registerModel(entry: ModelEntry): void {
  entries.set(entry.name, entry);
}

registerModel({
  name: 'popularity',
  description: 'most interacted items in training (ties: lower item index)',
  iterative: false,
  servable: false,
  create: (params) => new Popularity(params),
  load: (dir, fp) => Popularity.load(dir, fp),
});

export function modelNames(): string[] {
  return [...entries.keys()].sort();
}

/** The names of the models the server can serve, sorted. */
export function servableModelNames(): string[] {
  return modelNames().filter((n) => entries.get(n)!.servable === true);
}

export function getModel(name: string): ModelEntry {
  const e = entries.get(name);
  if (!e) {
    throw new InvalidArgumentError(`unknown model "${name}". Should be one of: ${modelNames().join(', ')}`);
  }
  return e;
}

export function createModel(name: string, params: Record<string, unknown> = {}): Recommender {
  return guardFit(getModel(name).create(params)); // pre-fit memory check (src/sizing/check.ts)
}

/** Loads any saved model, choosing the class from its manifest. */
export async function loadModel(dir: string, fingerprint?: string): Promise<Recommender> {
  const manifest = await readManifest(dir);
  return getModel(manifest.model).load(dir, fingerprint);
}

registerModel({
  name: 'itemknn',
  description: 'item-item cosine kNN over interactions (with shrinkage) or an item modality (content)',
  iterative: false,
  servable: false,
  create: (params) => new ItemKnn(params),
  load: (dir, fp) => ItemKnn.load(dir, fp),
});

registerModel({
  name: 'bpr',
  description: 'BPR-MF (Rendle et al. 2009) as MMRec: xavier init, uniform negatives, EmbLoss reg, lazy Adam',
  iterative: true,
  servable: true,
  create: (params) => new Bpr(params),
  load: (dir, fp) => Bpr.load(dir, fp),
});

registerModel({
  name: 'lightgcn',
  description: 'LightGCN (He et al. 2020) as MMRec: 3-layer graph convolution, BPR + EmbLoss, dense Adam',
  iterative: true,
  servable: true,
  create: (params) => new LightGcn(params),
  load: (dir, fp) => LightGcn.load(dir, fp),
});

registerModel({
  name: 'mf-rating',
  description: 'biased MF for explicit ratings (Koren et al. 2009), squared error, Adam or SGD',
  iterative: true,
  servable: true,
  create: (params) => new MfRating(params),
  load: (dir, fp) => MfRating.load(dir, fp),
});

registerModel({
  name: 'vbpr',
  description: 'VBPR (He & McAuley 2016) as MMRec over any modalities: [γ_i ; E·f_i], BPR + EmbLoss, Adam',
  iterative: true,
  servable: true,
  create: (params) => new Vbpr(params),
  load: (dir, fp) => Vbpr.load(dir, fp),
});

registerModel({
  name: 'freedom',
  description:
    'FREEDOM (Zhou & Shen 2023) as MMRec: frozen modality kNN item graph + degree-pruned LightGCN, BPR, Adam',
  iterative: true,
  servable: true,
  create: (params) => new Freedom(params),
  load: (dir, fp) => Freedom.load(dir, fp),
});

registerModel({
  name: 'fusion',
  description:
    'two-tower over fused modalities (concat | weighted | attention | transformer), optional LightGCN layers; BPR, BCE or MSE',
  iterative: true,
  servable: true,
  create: (params) => new Fusion(params),
  load: (dir, fp) => Fusion.load(dir, fp),
});
