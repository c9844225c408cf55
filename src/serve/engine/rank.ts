/**
 * @module serve/engine/rank
 * Composes one ranked list: the model's top items for a user vector first, then Gorse's fallback
 * recommenders (popular, then latest items) to fill what the model did not give, all through one
 * filter (servable, category, not seen). Pure functions over the catalog and a snapshot.
 */
import type { CatalogState } from './catalog.js';
import type { Explanation, ModelSnapshot } from './snapshot.js';

export type Source = 'model' | 'popular' | 'latest';

/** One ranked item (catalog index) and where it came from. */
export interface Ranked {
  c: number;
  score: number;
  from: Source;
  explanation?: Explanation;
}

/** The filter of a request. */
export interface Filter {
  category?: string | undefined;
  /** Catalog indices to leave out (seen items). */
  exclude?: ReadonlySet<number> | undefined;
}

export function keeper(catalog: CatalogState, f: Filter): (c: number) => boolean {
  const { category, exclude } = f;
  return (c) =>
    catalog.servable(c) &&
    (category === undefined || catalog.hasCategory(c, category)) &&
    !(exclude?.has(c) ?? false);
}

/** Appends up to `want` more fallback items (popular, then latest) not already in `out`. */
export function fillFallback(
  catalog: CatalogState,
  keep: (c: number) => boolean,
  out: Ranked[],
  want: number,
): void {
  if (out.length >= want) return;
  const taken = new Set(out.map((r) => r.c));
  const take = (order: Int32Array, from: Source, score: (c: number) => number) => {
    for (let k = 0; k < order.length && out.length < want; k++) {
      const c = order[k]!;
      if (taken.has(c) || !keep(c)) continue;
      taken.add(c);
      out.push({ c, score: score(c), from });
    }
  };
  take(catalog.popular(), 'popular', (c) => catalog.popularity[c]!);
  take(catalog.latest(), 'latest', (c) => catalog.timestamps[c]!);
}

/**
 * The first `offset + n` items for a user vector (or none), filled up by the fallbacks; the caller
 * slices off `offset`. With `explain`, model items carry their explanation.
 */
export function rankFor(
  catalog: CatalogState,
  snap: ModelSnapshot | undefined,
  vector: Float32Array | undefined,
  want: number,
  filter: Filter,
  explain: boolean,
): Ranked[] {
  const keep = keeper(catalog, filter);
  const out: Ranked[] = [];
  if (snap && vector) {
    for (const h of snap.search(vector, want, keep)) {
      const r: Ranked = { c: snap.catalogOf(h.item), score: h.score, from: 'model' };
      if (explain) r.explanation = snap.explain(vector, h.item);
      out.push(r);
    }
  }
  fillFallback(catalog, keep, out, want);
  return out;
}
