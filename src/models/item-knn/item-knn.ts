/**
 * @module models/item-knn
 * Item-based k-nearest-neighbours (Sarwar et al. 2001; implicit's ItemItemRecommender):
 * score(u, i) = Σ_{j ∈ items of u} sim(j, i), summing the top-K neighbour lists of the user's
 * training items. The neighbour graph comes from the interactions (shrunk cosine) or from an
 * item feature modality (content cosine), which also scores cold items with no interactions.
 * Non-iterative: fit() builds the graph once and reports a single epoch.
 */
import { InvalidArgumentError, MismatchError, NotFittedError } from '../../errors.js';
import { type Ranked, topKRanked } from '../../math/topk.js';
import { validateParams } from '../../training/params.js';
import { readArtifact, writeArtifact } from '../artifact.js';
import type { FitOptions, FitReport, Recommender, RecommendOptions, TrainingData } from '../recommender.js';
import { checkBatch, checkIndex, checkK } from '../scoring.js';
import { contentNeighbours, interactionNeighbours, type NeighbourGraph } from './neighbours.js';

/** Hyper-parameters of {@link ItemKnn}. */
export interface ItemKnnParams {
  /** Neighbours kept per item (default 50). */
  k: number;
  /** Shrinkage added to the cosine denominator of interaction similarities (default 10). */
  shrink: number;
  /** "interactions", or the name of an item modality of the training data (default "interactions"). */
  source: string;
}

/** The defaults of {@link ItemKnnParams}. */
export const ITEM_KNN_DEFAULTS: Readonly<ItemKnnParams> = { k: 50, shrink: 10, source: 'interactions' };

/** The numeric parameters, checked by training/params (numeric strings accepted, as elsewhere). */
const ITEM_KNN_NUMERIC = {
  k: { type: 'int', default: ITEM_KNN_DEFAULTS.k, min: 1 },
  shrink: { type: 'number', default: ITEM_KNN_DEFAULTS.shrink, min: 0 },
} as const;

/** Validates raw params (unknown keys and bad values throw InvalidArgumentError) and fills defaults. */
export function resolveItemKnnParams(raw: Record<string, unknown>): ItemKnnParams {
  const keys = Object.keys(ITEM_KNN_DEFAULTS);
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      throw new InvalidArgumentError(
        `itemknn: unknown parameter "${key}". Valid parameters: ${keys.join(', ')}`,
      );
    }
  }
  const { source = ITEM_KNN_DEFAULTS.source, ...numeric } = raw;
  const { k, shrink } = validateParams('itemknn', numeric, ITEM_KNN_NUMERIC);
  if (typeof source !== 'string' || source === '') {
    throw new InvalidArgumentError(
      `itemknn: parameter "source" must be "interactions" or a modality name, got ${JSON.stringify(source)}`,
    );
  }
  return { k, shrink, source };
}

/** Builds the neighbour graph `params` asks for from `data`. */
export function buildNeighbourGraph(data: TrainingData, params: ItemKnnParams): NeighbourGraph {
  if (params.source === 'interactions') return interactionNeighbours(data.train, params.k, params.shrink);
  const m = data.modalities.find((x) => x.name === params.source);
  if (!m) {
    const names = data.modalities.map((x) => x.name);
    throw new InvalidArgumentError(
      `itemknn: source "${params.source}" is neither "interactions" nor a modality of this dataset; ` +
        `available modalities: ${names.length > 0 ? names.join(', ') : '(none; attach one with --modality name=file.npy)'}`,
    );
  }
  if (m.present.length !== data.train.nItems) {
    throw new MismatchError(
      `itemknn: modality "${m.name}" has ${m.present.length} items, the training data ${data.train.nItems}`,
    );
  }
  return contentNeighbours(m, data.train.nItems, params.k);
}

/** Item-based kNN over interaction or content similarities. */
export class ItemKnn implements Recommender {
  readonly name = 'itemknn';
  readonly params: Readonly<Record<string, unknown>>;
  private readonly p: ItemKnnParams;
  private graph: NeighbourGraph | undefined;
  /** Users' training items (CSR), what scores are summed over. */
  private userPtr: Int32Array = new Int32Array(1);
  private userItems: Int32Array = new Int32Array(0);
  private fingerprint = '';

  constructor(params: Record<string, unknown> = {}) {
    this.p = resolveItemKnnParams(params);
    this.params = { ...this.p };
  }

  get fitted(): boolean {
    return this.graph !== undefined;
  }

  get nItems(): number {
    return this.graph?.nItems ?? 0;
  }

  /** Number of users the model can score. */
  get nUsers(): number {
    return this.userPtr.length - 1;
  }

  /** The neighbour graph (throws NotFittedError before fit/load). */
  neighbours(): NeighbourGraph {
    if (!this.graph) throw new NotFittedError(this.name);
    return this.graph;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    this.graph = buildNeighbourGraph(data, this.p);
    this.userPtr = data.train.indptr;
    this.userItems = data.train.indices;
    this.fingerprint = data.fingerprint;
    const seconds = (performance.now() - t0) / 1000;
    await options.onEpochEnd?.({ epoch: 1, loss: Number.NaN, seconds });
    return { epochs: 1, trainSeconds: seconds, losses: [Number.NaN] };
  }

  /** Adds user `u`'s scores into `out[offset .. offset + nItems)` (which the caller zeroed). */
  private accumulate(u: number, out: Float32Array, offset: number): void {
    const g = this.neighbours();
    checkIndex(this.name, 'user', u, this.nUsers);
    const { indptr, indices, sims } = g;
    for (let q = this.userPtr[u]!; q < this.userPtr[u + 1]!; q++) {
      const j = this.userItems[q]!;
      for (let p = indptr[j]!; p < indptr[j + 1]!; p++) out[offset + indices[p]!]! += sims[p]!;
    }
  }

  scoreBatch(users: Int32Array, out: Float32Array): void {
    const n = this.neighbours().nItems;
    checkBatch(this.name, users, out, this.nUsers, n);
    out.fill(0, 0, users.length * n);
    for (let b = 0; b < users.length; b++) this.accumulate(users[b]!, out, b * n);
  }

  recommend(user: number, k: number, options: RecommendOptions = {}): Ranked {
    checkK(this.name, k);
    const scores = new Float32Array(this.neighbours().nItems);
    this.accumulate(user, scores, 0);
    return topKRanked(scores, k, options.exclude);
  }

  /** The first k entries of the item's neighbour list (empty for items without neighbours). */
  similarItems(item: number, k: number): Ranked {
    const g = this.neighbours();
    checkIndex(this.name, 'item', item, g.nItems);
    checkK(this.name, k);
    const from = g.indptr[item]!;
    const to = Math.min(g.indptr[item + 1]!, from + k);
    return { items: g.indices.slice(from, to), scores: g.sims.slice(from, to) };
  }

  async save(dir: string): Promise<void> {
    const g = this.neighbours();
    await writeArtifact(
      dir,
      {
        model: this.name,
        params: { ...this.p },
        dims: {
          items: g.nItems,
          users: this.nUsers,
          neighbours: g.indices.length,
          history: this.userItems.length,
        },
        fingerprint: this.fingerprint,
      },
      {
        indptr: g.indptr,
        indices: g.indices,
        sims: g.sims,
        userPtr: this.userPtr,
        userItems: this.userItems,
      },
    );
  }

  /** Loads a saved ItemKnn, checking the dataset fingerprint when one is given. */
  static async load(dir: string, fingerprint?: string): Promise<ItemKnn> {
    const { manifest, tables } = await readArtifact(dir, {
      model: 'itemknn',
      ...(fingerprint === undefined ? {} : { fingerprint }),
    });
    const d = manifest.dims;
    const int = (name: string, length: number | undefined): Int32Array => {
      const t = tables[name];
      if (!(t instanceof Int32Array) || t.length !== length) {
        throw new MismatchError(`${dir}: table "${name}" is missing or does not match the manifest dims`);
      }
      return t;
    };
    const indptr = int('indptr', (d.items ?? -2) + 1);
    const indices = int('indices', d.neighbours);
    const sims = tables.sims;
    if (!(sims instanceof Float32Array) || sims.length !== indices.length) {
      throw new MismatchError(`${dir}: table "sims" is missing or does not match the manifest dims`);
    }
    const m = new ItemKnn(manifest.params);
    m.graph = { nItems: indptr.length - 1, indptr, indices, sims };
    m.userPtr = int('userPtr', (d.users ?? -2) + 1);
    m.userItems = int('userItems', d.history);
    m.fingerprint = manifest.fingerprint;
    return m;
  }
}
