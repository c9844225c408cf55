/**
 * @module serve/retrieval/types
 * The contract every retrieval index keeps: dense integer items 0..n-1, exact inner-product scores
 * (plus an optional per-item bias), top-k best first with ties to the lower item.
 */

/** One retrieved item and its exact score. */
export interface SearchHit {
  item: number;
  score: number;
}

/** A mutable top-k index over item vectors. */
export interface VectorIndex {
  readonly kind: 'hnsw' | 'brute';
  readonly dim: number;
  /** Number of live items. */
  readonly size: number;
  /**
   * Top-k by exact score <query, v_i> + bias_i among items where filter(i) is true (filter
   * optional). Sorted by score desc, ties by lower item.
   */
  search(query: Float32Array, k: number, filter?: (item: number) => boolean): SearchHit[];
  /** Adds or replaces item `item`'s vector (item may be >= current capacity: grow). */
  upsert(item: number, vector: Float32Array, bias?: number): void;
  /** Removes an item; removing an absent item does nothing. */
  remove(item: number): void;
  /** A copy of the item's vector as indexed (unit length under the cosine metric), or undefined. */
  vector(item: number): Float32Array | undefined;
}

/** How to build an index. */
export interface IndexOptions {
  /** `auto` (default) picks brute force below `bruteBelow` live items, HNSW above. */
  kind?: 'auto' | 'hnsw' | 'brute';
  /** Threshold of `auto` (default 20000). */
  bruteBelow?: number;
  /** HNSW graph degree (default 16). */
  M?: number;
  /** HNSW build beam (default 200). */
  efConstruction?: number;
  /** HNSW search beam (default 128); at least max(4k, efSearch) candidates are re-scored. */
  efSearch?: number;
  /** Seed of the HNSW level generator (default 0). */
  seed?: number;
  /** `ip` (default): raw inner product; `cosine`: vectors and queries are normalised. */
  metric?: 'ip' | 'cosine';
  /**
   * How vectors are kept for scans and exact re-scoring (default `float32`). `int8`: int8 codes
   * with a scale per vector, re-scored exactly from the float32 table the index was built over
   * (serve/retrieval/quantized); inner product only (cosine indexes stay float32).
   */
  vectors?: 'float32' | 'int8';
}
