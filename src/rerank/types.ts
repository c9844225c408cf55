/**
 * @module rerank/types
 * The shapes every re-ranking stage shares: a candidate list with scores (best first or not),
 * a context with what stages may need about items and the user, and the stage function itself.
 */

/** Named item groups (one attribute: brand, artist, popularity band…) and each group's catalog share. */
export interface ItemGroups {
  /** The item's group, undefined when it has none. */
  of(item: number): string | undefined;
  /** Share of the catalog's items in each group (sums to 1 over the groups, items without a group left out). */
  readonly share: ReadonlyMap<string, number>;
}

/** What a stage may read about items and the user; each stage names the fields it needs. */
export interface RerankContext {
  /** Content vector of an item (e.g. the fused multimodal vector); undefined when it has none. */
  itemVector?: (item: number) => Float32Array | undefined;
  /** Training interactions per item. */
  itemPopularity?: ArrayLike<number>;
  /** 1 for long-tail items (see eval/metrics/bias tailItems). */
  tail?: Uint8Array;
  /** Category (or modality, popularity band…) labels of an item, for calibration. */
  itemCategories?: (item: number) => readonly string[];
  /** Item groups by attribute name, for exposure fairness. */
  itemGroups?: Readonly<Record<string, ItemGroups>>;
  /** The user's history (item indices). */
  history?: ArrayLike<number>;
}

/** A candidate list: item ids and their scores, aligned. */
export interface Ranked {
  ids: Int32Array;
  /** Relevance of each id as the stage sees it (the next stage's input scores). */
  scores: Float64Array;
}

/**
 * A re-ranking stage: a pure function from candidates (ids and scores, aligned) and the context
 * to the re-ranked list. It returns every candidate once (a permutation), the chosen order first;
 * `scores` are the relevance it used (its input scores, or adjusted ones for a score-changing
 * stage), so that stages compose.
 */
export type RerankStage = (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext) => Ranked;
