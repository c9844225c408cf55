/**
 * @module serve/engine/snapshot
 * One model version ready to serve: its name and version, the id maps between its dense indices and
 * the catalog, the user and item tables of its 'dot' scoring kernel (score = <u, v_i> + b_i), the
 * item VectorIndex (HNSW or brute force, exact re-scoring), the Gramian of the trained item table
 * for fold-in, and the model object for explanations and content vectors of new items.
 *
 * The engine swaps snapshots with one reference assignment, so a request that took a snapshot
 * sees one model version from start to end. Within a snapshot, rows only ever change one at a
 * time and synchronously (a user's folded-in vector replaced by a new array, an item appended),
 * so a request never sees a half-updated vector either.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserVectorCache } from '../../cache/types.js';
import { describeError, NotSupportedError } from '../../errors.js';
import type { ItemVectorPart, Recommender } from '../../models/recommender.js';
import { loadModel } from '../../models/registry.js';
import type { ModelVersion, Store } from '../../store/types.js';
import { foldInUser, gramian } from '../foldin.js';
import {
  buildIndex,
  buildIndexSliced,
  HnswIndex,
  type IndexOptions,
  type SearchHit,
  type VectorIndex,
  wouldUseHnsw,
} from '../retrieval/index.js';
import {
  decodeDerivedTable,
  decodeItemIndex,
  encodeDerivedTable,
  encodeItemIndex,
  ITEM_GRAM_KIND,
  ITEM_INDEX_KIND,
  tableChecksum,
} from '../retrieval/persist.js';
import type { CatalogState, UserState } from './catalog.js';

/** Additive parts of one score (see docs/API.md). */
export interface Explanation {
  collaborative: number;
  bias: number;
  modalities: Record<string, number>;
}

/** Options of {@link ModelSnapshot.load}. */
export interface SnapshotOptions {
  index?: IndexOptions;
  /**
   * Server time (ms) at which the training data was read (default: the version's creation time).
   * Users with events after it are folded in on their next request.
   */
  dataTime?: number;
  /** Where remembered fold-ins are read from (default: the store's user vectors). */
  userVectors?: UserVectorCache;
  /**
   * Load the version's saved item index from the store, and save the one built when there is none
   * (default true). A missing, damaged or foreign saved index is rebuilt.
   */
  persistIndex?: boolean;
  /** Where problems with the saved index are reported (default: nowhere). */
  log?: (line: string) => void;
}

/** How the item index of a loaded snapshot was obtained (for logs and benches). */
export type IndexSource = 'loaded' | 'built' | 'built-and-saved';

let loadSeq = 0;

function dot(a: Float32Array, b: Float32Array, bOffset: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[d]! * b[bOffset + d]!;
  return s;
}

export class ModelSnapshot {
  readonly name: string;
  readonly version: number;
  readonly dim: number;
  readonly model: Recommender;
  /** Items the model was trained on (rows 0..nTrained-1). */
  readonly nTrained: number;
  /** Server time (ms) of the training data; users with later events are folded in. */
  readonly createdAt: number;
  /** The item index (exact inner product plus bias). */
  get index(): VectorIndex {
    return this.itemIndex;
  }
  private itemIndex!: VectorIndex;
  /** Live rows of the item index until {@link buildIndexInSlices} builds it. */
  private pendingLive: Uint8Array | undefined;
  /** Fold-ins computed since load, by user id. */
  readonly overrides = new Map<string, Float32Array>();
  /** Gramian of the trained item table (fold-in); set by the constructor, or by the load path. */
  private gram!: Float32Array;
  private itemFactors: Float32Array;
  private itemBias: Float32Array | undefined;
  private nItems: number;
  private toCatalog: Int32Array;
  private fromCatalog: Int32Array;
  private readonly userRows: Map<string, number>;
  private readonly userFactors: Float32Array;
  private cosine: VectorIndex | undefined;
  private readonly indexOptions: IndexOptions;

  private constructor(init: {
    info: ModelVersion;
    model: Recommender;
    dim: number;
    itemFactors: Float32Array;
    itemBias: Float32Array | undefined;
    userFactors: Float32Array;
    userRows: Map<string, number>;
    itemIds: readonly string[];
    catalog: CatalogState;
    indexOptions: IndexOptions;
    dataTime: number | undefined;
    /** Leave the item index to {@link buildIndexInSlices} (load does, off the request path). */
    deferIndex?: boolean;
  }) {
    this.name = init.info.name;
    this.version = init.info.version;
    this.createdAt = init.dataTime ?? Date.parse(init.info.createdAt);
    this.model = init.model;
    this.dim = init.dim;
    this.indexOptions = init.indexOptions;
    const n = init.itemIds.length;
    this.nTrained = n;
    this.nItems = n;
    // Views, not copies (256 MB at 10^6 x 64): trained rows are never written, and rows added
    // from content go to a new table (ensureRows reallocates: the capacity is exactly n).
    this.itemFactors = init.itemFactors.subarray(0, n * init.dim);
    this.itemBias = init.itemBias?.subarray(0, n);
    this.userFactors = init.userFactors;
    this.userRows = init.userRows;
    this.toCatalog = new Int32Array(Math.max(1, n));
    this.fromCatalog = new Int32Array(Math.max(1, init.catalog.size)).fill(-1);
    const live = new Uint8Array(n);
    init.itemIds.forEach((id, j) => {
      const c = init.catalog.indexOf(id);
      this.toCatalog[j] = c ?? -1;
      if (c !== undefined) {
        this.fromCatalog[c] = j;
        live[j] = 1;
      }
    });
    if (init.deferIndex) this.pendingLive = live;
    else {
      this.gram = gramian(this.itemFactors, this.dim);
      this.itemIndex = buildIndex(this.itemFactors, this.dim, this.itemIndexOptions(live));
    }
  }

  private itemIndexOptions(live: Uint8Array) {
    return {
      ...this.indexOptions,
      metric: 'ip' as const,
      live,
      ...(this.itemBias ? { bias: this.itemBias } : {}),
    };
  }

  /** How the item index was obtained: loaded from the store, or built (and saved there). */
  indexSource: IndexSource = 'built';

  /**
   * Builds the item index in slices with turns of the event loop between them: a version loaded
   * while the server serves (an activation, or one followed from another process) must not
   * freeze it for the seconds an HNSW graph over 100k items takes.
   */
  private async buildIndexInSlices(): Promise<void> {
    const live = this.pendingLive;
    if (!live) return;
    this.gram ??= gramian(this.itemFactors, this.dim);
    this.itemIndex = await buildIndexSliced(this.itemFactors, this.dim, this.itemIndexOptions(live));
    this.pendingLive = undefined;
  }

  /**
   * The HNSW item index through the store: the saved graph of this version when there is a valid
   * one (checked against this table: rows, dimension, checksums), else built in slices over every
   * trained row and saved for the next server. Items not in the catalog are then marked deleted,
   * so the saved graph depends on the version only. The Gramian (fold-in; 0.6 s at 100k x 64) is
   * loaded or saved the same way. Small catalogs (exact scan) are just built.
   */
  private async prepareIndex(store: Store, log: (line: string) => void): Promise<void> {
    const live = this.pendingLive;
    if (!live) return;
    let liveCount = 0;
    for (let j = 0; j < live.length; j++) liveCount += live[j]!;
    if (!wouldUseHnsw(liveCount, this.indexOptions)) return this.buildIndexInSlices();
    const table = this.itemFactors.subarray(0, this.nTrained * this.dim);
    const bias = this.itemBias?.subarray(0, this.nTrained);
    const checksum = tableChecksum(table, bias);
    await this.prepareGram(store, log, table, checksum);
    const where = `model version ${this.version}: saved item index`;
    let saved: Uint8Array | undefined;
    try {
      saved = await store.getModelIndex(this.version, ITEM_INDEX_KIND);
    } catch (err) {
      log(`${where} could not be read, rebuilding it: ${describeError(err)}`);
    }
    if (saved) {
      try {
        this.itemIndex = await decodeItemIndex(saved, table, this.dim, {
          bias,
          live,
          efSearch: this.indexOptions.efSearch,
          vectors: this.indexOptions.vectors,
          checksum,
        });
        this.indexSource = 'loaded';
        this.pendingLive = undefined;
        return;
      } catch (err) {
        log(`${where} is not usable, rebuilding it: ${describeError(err)}`);
      }
    }
    const { live: _all, ...allRows } = this.itemIndexOptions(live);
    const index = await buildIndexSliced(table, this.dim, allRows);
    if (index instanceof HnswIndex) {
      try {
        const bytes = await encodeItemIndex(index, table, bias);
        await store.putModelIndex(this.version, ITEM_INDEX_KIND, bytes);
        this.indexSource = 'built-and-saved';
      } catch (err) {
        log(`${where} could not be stored (the next server rebuilds it): ${describeError(err)}`);
      }
    }
    for (let j = 0; j < this.nTrained; j++) if (!live[j]) index.remove(j);
    this.itemIndex = index;
    this.pendingLive = undefined;
  }

  /** The Gramian of the trained table from the store when saved for this table, else computed and saved. */
  private async prepareGram(
    store: Store,
    log: (line: string) => void,
    table: Float32Array,
    checksum: string,
  ): Promise<void> {
    const where = `model version ${this.version}: saved item Gramian`;
    try {
      const saved = await store.getModelIndex(this.version, ITEM_GRAM_KIND);
      if (saved) {
        this.gram = decodeDerivedTable(saved, checksum, this.dim * this.dim);
        return;
      }
    } catch (err) {
      log(`${where} is not usable, computing it: ${describeError(err)}`);
    }
    this.gram = gramian(table, this.dim);
    try {
      await store.putModelIndex(this.version, ITEM_GRAM_KIND, encodeDerivedTable(this.gram, checksum));
    } catch (err) {
      log(`${where} could not be stored: ${describeError(err)}`);
    }
  }

  /**
   * Loads a stored version: its artifact files are written to a private temporary folder, loaded
   * with the model registry, and removed. Throws NotSupportedError when the model has no 'dot'
   * scoring kernel (popularity, itemknn): those are served by the fallbacks.
   */
  static async load(
    store: Store,
    info: ModelVersion,
    catalog: CatalogState,
    options: SnapshotOptions = {},
  ): Promise<ModelSnapshot> {
    const dir = join(tmpdir(), `fusionrec-model-${process.pid}-${info.version}-${loadSeq++}`);
    let model: Recommender;
    try {
      await mkdir(dir, { recursive: true });
      for (const f of await store.modelFiles(info.version)) await writeFile(join(dir, f.name), f.data);
      model = await loadModel(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const kernel = model.scoringKernel?.();
    if (kernel?.kind !== 'dot') {
      throw new NotSupportedError(
        `model "${info.name}" (version ${info.version}) has no dot-product scoring kernel; it cannot be served`,
      );
    }
    const ids = await store.modelIds(info.version);
    const snap = new ModelSnapshot({
      info,
      model,
      dim: kernel.dim,
      itemFactors: kernel.itemFactors,
      itemBias: kernel.itemBias,
      userFactors: kernel.userFactors,
      userRows: ids.users,
      itemIds: ids.items,
      catalog,
      indexOptions: options.index ?? {},
      dataTime: options.dataTime,
      deferIndex: true,
    });
    if (options.persistIndex === false) await snap.buildIndexInSlices();
    else await snap.prepareIndex(store, options.log ?? (() => {}));
    // remembered fold-ins of users still in the catalog (a deleted user's vector that a cache
    // could not forget is never used again)
    const remembered = await (options.userVectors?.all(info.version) ?? store.userVectors(info.version));
    for (const [user, v] of remembered) {
      if (v.length === snap.dim && catalog.user(user)) snap.overrides.set(user, v);
    }
    return snap;
  }

  /** Number of item rows (trained plus added from content). */
  get size(): number {
    return this.nItems;
  }

  /** Snapshot row of a catalog index, or -1. */
  rowOf(catalogIndex: number): number {
    return catalogIndex < this.fromCatalog.length ? this.fromCatalog[catalogIndex]! : -1;
  }

  /** Catalog index of a snapshot row, or -1. */
  catalogOf(row: number): number {
    return row < this.nItems ? this.toCatalog[row]! : -1;
  }

  /** The trained vector of a user, if the model knows them. */
  trainedVector(user: string): Float32Array | undefined {
    const r = this.userRows.get(user);
    return r === undefined ? undefined : this.userFactors.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /**
   * The vector to score `user` with: a fold-in made since load; else the trained vector, unless the
   * user has events after this version was made (then it is folded in now); else a fold-in of the
   * user's positive items (users the model never saw); else undefined.
   */
  userVector(user: string, state: UserState | undefined): Float32Array | undefined {
    const o = this.overrides.get(user);
    if (o) return o;
    const trained = this.trainedVector(user);
    if (trained && !(state && state.lastEvent > this.createdAt)) return trained;
    if (state && state.positives.length > 0) {
      const v = this.foldIn(state.positives, trained);
      if (v) {
        this.overrides.set(user, v);
        return v;
      }
    }
    return trained;
  }

  /** Solves a vector for positive catalog items (implicit-ALS closed form, prior = `prior`). */
  foldIn(positives: readonly number[], prior?: Float32Array): Float32Array | undefined {
    const rows: number[] = [];
    for (const c of positives) {
      const j = this.rowOf(c);
      if (j >= 0) rows.push(j);
    }
    if (rows.length === 0) return prior ? prior.slice() : undefined;
    return foldInUser(
      { dim: this.dim, itemFactors: this.itemFactors, gram: this.gram },
      Int32Array.from(rows),
      undefined,
      prior,
    );
  }

  /** Re-solves a user's vector after new positive feedback; returns it. */
  refold(user: string, state: UserState): Float32Array | undefined {
    const v = this.foldIn(state.positives, this.trainedVector(user));
    if (v) this.overrides.set(user, v);
    return v;
  }

  /** Forgets a user (deleted): trained row unlinked, fold-in dropped. */
  forgetUser(user: string): void {
    this.overrides.delete(user);
    this.userRows.delete(user);
  }

  /** Top-k rows for a query vector among rows whose catalog index passes `keep`. */
  search(query: Float32Array, k: number, keep: (catalogIndex: number) => boolean): SearchHit[] {
    return this.index.search(query, k, (j) => {
      const c = this.catalogOf(j);
      return c >= 0 && keep(c);
    });
  }

  /** Score of row j for a user vector. */
  score(user: Float32Array, j: number): number {
    return dot(user, this.itemFactors, j * this.dim, this.dim) + (this.itemBias?.[j] ?? 0);
  }

  /** The item table row j (a view). */
  itemVector(j: number): Float32Array {
    return this.itemFactors.subarray(j * this.dim, (j + 1) * this.dim);
  }

  /** Whether new items can get a vector from their content. */
  get hasContent(): boolean {
    return typeof this.model.contentItemVector === 'function';
  }

  /**
   * Gives catalog item `c` a vector computed from its content features (new items of content
   * models). Rows of trained items are kept; rows added earlier are replaced. Returns the row, or
   * -1 when the model cannot use this content (none, or none of its modalities).
   */
  addFromContent(c: number, features: Readonly<Record<string, Float32Array | undefined>>): number {
    if (!this.model.contentItemVector) return -1;
    let j = this.rowOf(c);
    if (j >= 0 && j < this.nTrained) return j;
    if (Object.values(features).every((f) => f === undefined)) return -1;
    let v: Float32Array;
    try {
      v = this.model.contentItemVector(features);
    } catch {
      // content the model cannot use (no modality it knows, other dims): fallbacks serve the item
      return -1;
    }
    if (v.length !== this.dim || !v.every(Number.isFinite)) return -1;
    if (j < 0) {
      j = this.nItems;
      this.ensureRows(j + 1);
      this.nItems++;
      this.toCatalog[j] = c;
      this.ensureCatalog(c + 1);
      this.fromCatalog[c] = j;
    }
    this.itemFactors.set(v, j * this.dim);
    if (this.itemBias) this.itemBias[j] = 0;
    this.index.upsert(j, v, 0);
    this.cosine?.upsert(j, v);
    return j;
  }

  /** Takes catalog item `c` out of retrieval (deleted). */
  removeCatalogItem(c: number): void {
    const j = this.rowOf(c);
    if (j < 0) return;
    this.index.remove(j);
    this.cosine?.remove(j);
  }

  /** Puts a trained item back into retrieval (re-inserted after deletion). */
  restoreCatalogItem(c: number): void {
    const j = this.rowOf(c);
    if (j < 0 || this.index.vector(j) !== undefined) return;
    this.index.upsert(j, this.itemVector(j), this.itemBias?.[j] ?? 0);
    this.cosine?.upsert(j, this.itemVector(j));
  }

  /** Top-k rows most similar (cosine of item vectors) to row j, among rows passing `keep`. */
  similar(j: number, k: number, keep: (catalogIndex: number) => boolean): SearchHit[] {
    if (!this.cosine) {
      const live = new Uint8Array(this.nItems);
      for (let r = 0; r < this.nItems; r++) live[r] = this.index.vector(r) === undefined ? 0 : 1;
      this.cosine = buildIndex(this.itemFactors.subarray(0, this.nItems * this.dim), this.dim, {
        ...this.indexOptions,
        metric: 'cosine',
        live,
      });
    }
    return this.cosine.search(this.itemVector(j), k, (r) => {
      if (r === j) return false;
      const c = this.catalogOf(r);
      return c >= 0 && keep(c);
    });
  }

  /**
   * The additive parts of user·item(j): <u, part> per part the model reports (all collaborative
   * when it reports none); rows added from content report their score as "content".
   */
  explain(user: Float32Array, j: number): Explanation {
    const out: Explanation = { collaborative: 0, bias: 0, modalities: {} };
    if (j >= this.nTrained) {
      out.modalities.content = dot(user, this.itemFactors, j * this.dim, this.dim);
      out.bias = this.itemBias?.[j] ?? 0;
      return out;
    }
    const parts: ItemVectorPart[] | undefined = this.model.explainItem?.(j);
    if (!parts || parts.length === 0) {
      out.collaborative = dot(user, this.itemFactors, j * this.dim, this.dim);
      out.bias = this.itemBias?.[j] ?? 0;
      return out;
    }
    let hasBias = false;
    for (const p of parts) {
      const s = (p.vector.length === this.dim ? dot(user, p.vector, 0, this.dim) : 0) + (p.offset ?? 0);
      if (p.name === 'collaborative') out.collaborative += s;
      else if (p.name === 'bias') {
        out.bias += s;
        hasBias = true;
      } else out.modalities[p.name] = (out.modalities[p.name] ?? 0) + s;
    }
    if (!hasBias && this.itemBias) out.bias += this.itemBias[j] ?? 0;
    return out;
  }

  private ensureRows(n: number): void {
    const cap = this.itemFactors.length / this.dim;
    if (n <= cap && n <= this.toCatalog.length) return;
    const next = Math.max(n, cap * 2, 16);
    const f = new Float32Array(next * this.dim);
    f.set(this.itemFactors);
    this.itemFactors = f;
    if (this.itemBias) {
      const b = new Float32Array(next);
      b.set(this.itemBias);
      this.itemBias = b;
    }
    const t = new Int32Array(next).fill(-1);
    t.set(this.toCatalog);
    this.toCatalog = t;
  }

  private ensureCatalog(n: number): void {
    if (n <= this.fromCatalog.length) return;
    const f = new Int32Array(Math.max(n, this.fromCatalog.length * 2)).fill(-1);
    f.set(this.fromCatalog);
    this.fromCatalog = f;
  }
}
