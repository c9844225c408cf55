/**
 * @module serve/engine/content-index
 * Cosine indexes over the items' content vectors, one per modality, keyed by catalog index. Built
 * lazily from the store on first use (search, or similar items without a model) and kept current
 * by inserts and deletes. Items without a model vector are found through these.
 */
import type { MediaKind } from '../../encoders/encoder.js';
import type { Store } from '../../store/types.js';
import {
  buildIndex,
  buildIndexSliced,
  type IndexOptions,
  type SearchHit,
  type VectorIndex,
  wouldUseHnsw,
} from '../retrieval/index.js';
import type { CatalogState } from './catalog.js';

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d]! * v[d]!;
  const out = new Float32Array(v.length);
  if (s === 0) return out;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < v.length; d++) out[d] = v[d]! * inv;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

export class ContentIndexes {
  private readonly built = new Map<string, Promise<VectorIndex | undefined>>();

  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogState,
    private readonly options: IndexOptions = {},
  ) {}

  /** The index of a modality (undefined when no item has it). */
  get(modality: string): Promise<VectorIndex | undefined> {
    let p = this.built.get(modality);
    if (!p) {
      p = this.build(modality);
      this.built.set(modality, p);
    }
    return p;
  }

  /** Changes made to a modality's index while its graph is being built (replayed on it). */
  private readonly building = new Map<string, ((idx: VectorIndex) => void)[]>();

  private async build(modality: string): Promise<VectorIndex | undefined> {
    const mv = await this.store.modalityVectors(modality);
    if (!mv) return undefined;
    const n = this.catalog.size;
    const data = new Float32Array(n * mv.dim);
    const live = new Uint8Array(n);
    mv.ids.forEach((id, k) => {
      const c = this.catalog.indexOf(id);
      if (c === undefined) return;
      data.set(mv.data.subarray(k * mv.dim, (k + 1) * mv.dim), c * mv.dim);
      live[c] = 1;
    });
    const options = { ...this.options, metric: 'cosine' as const, live };
    if (!wouldUseHnsw(mv.ids.length, this.options)) return buildIndex(data, mv.dim, options);
    const exact = buildIndex(data, mv.dim, { ...options, kind: 'brute' });
    this.building.set(modality, []);
    void buildIndexSliced(data, mv.dim, options).then(
      (graph) => {
        for (const op of this.building.get(modality) ?? []) op(graph);
        this.building.delete(modality);
        if (this.built.has(modality)) this.built.set(modality, Promise.resolve(graph));
      },
      () => this.building.delete(modality), // the exact scan stays
    );
    return exact;
  }

  /** Applies `op` to the modality's index, and to its graph under construction. */
  private change(modality: string, op: (idx: VectorIndex) => void): void {
    const p = this.built.get(modality);
    if (!p) return;
    this.built.set(
      modality,
      p.then((idx) => {
        if (idx) op(idx);
        this.building.get(modality)?.push(op);
        return idx;
      }),
    );
  }

  /** Updates the vectors of catalog item `c` in the indexes already built (or being built). */
  upsert(c: number, vectors: Readonly<Record<string, Float32Array>>): void {
    for (const [modality, v] of Object.entries(vectors)) {
      this.change(modality, (idx) => {
        if (idx.dim === v.length) idx.upsert(c, v);
      });
    }
  }

  /** Removes catalog item `c` from every index. */
  remove(c: number): void {
    for (const modality of [...this.built.keys()]) this.change(modality, (idx) => idx.remove(c));
  }

  /** Top-k catalog items for a query vector in one modality. */
  async search(
    modality: string,
    query: Float32Array,
    k: number,
    keep: (c: number) => boolean,
  ): Promise<SearchHit[]> {
    const idx = await this.get(modality);
    if (!idx || idx.dim !== query.length) return [];
    return idx.search(query, k, keep);
  }

  /**
   * Items most similar to catalog item `c` by content: the mean cosine over the modalities `c`
   * has (a candidate missing one counts 0 there), candidates from each modality's index.
   */
  async similar(
    c: number,
    k: number,
    kinds: readonly MediaKind[],
    keep: (c: number) => boolean,
  ): Promise<SearchHit[]> {
    const queries: { idx: VectorIndex; q: Float32Array }[] = [];
    for (const kind of kinds) {
      const idx = await this.get(kind);
      const v = idx?.vector(c);
      if (idx && v) queries.push({ idx, q: unit(v) });
    }
    if (queries.length === 0) return [];
    const candidates = new Set<number>();
    const want = 3 * k + 10;
    for (const { idx, q } of queries) {
      for (const h of idx.search(q, want, (x) => x !== c && keep(x))) candidates.add(h.item);
    }
    const hits: SearchHit[] = [];
    for (const x of candidates) {
      let s = 0;
      for (const { idx, q } of queries) {
        const v = idx.vector(x);
        if (v) s += dot(q, unit(v));
      }
      hits.push({ item: x, score: s / queries.length });
    }
    hits.sort((a, b) => b.score - a.score || a.item - b.item);
    return hits.slice(0, k);
  }
}
