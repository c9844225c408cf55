/**
 * @module serve/engine/rerank
 * Re-ranking on the serving path: the stages of src/rerank (MMR diversity, calibration, popularity
 * correction, tail boost, exposure-fair groups) run over a user's candidate list with what the
 * server holds in memory: the serving model's item vectors (for content models the fused
 * multimodal vectors), the catalog's live popularity and categories, the user's positive history.
 * Item groups for `fair:<attribute>` come from the items' stored attributes, read once and kept
 * for a minute (GroupCache). Pinned items (business rules) keep their positions.
 */
import { tailItems } from '../../eval/metrics/bias.js';
import { makeItemGroups } from '../../rerank/groups.js';
import { type RerankPipeline, rerankPipeline } from '../../rerank/pipeline.js';
import type { ItemGroups, RerankContext } from '../../rerank/types.js';
import type { Store } from '../../store/types.js';
import type { CatalogState } from './catalog.js';
import type { ModelSnapshot } from './snapshot.js';

const TTL_MS = 60_000;

/** Parsed pipelines by spec text (a spec is parsed once; a bad one throws InvalidArgumentError). */
const pipelines = new Map<string, RerankPipeline>();

/** The pipeline of `spec` that fills `k` positions (cached). */
export function servingPipeline(spec: string, k: number): RerankPipeline {
  const key = `${k}\u0000${spec}`;
  let p = pipelines.get(key);
  if (!p) {
    p = rerankPipeline(spec, { k });
    if (pipelines.size > 256) pipelines.clear();
    pipelines.set(key, p);
  }
  return p;
}

/** Item groups by attribute over catalog indices, and the long-tail mask, each kept for a minute. */
export class GroupCache {
  private readonly groups = new Map<string, { at: number; size: number; groups: ItemGroups }>();
  private tailMask: { at: number; size: number; tail: Uint8Array } | undefined;

  constructor(
    private readonly store: Store,
    readonly catalog: CatalogState,
  ) {}

  /** Groups of catalog items by the attribute `name` (items without it: no group). */
  async byAttribute(name: string): Promise<ItemGroups> {
    const now = Date.now();
    const hit = this.groups.get(name);
    if (hit && now - hit.at < TTL_MS && hit.size === this.catalog.size) return hit.groups;
    const labels: (string | undefined)[] = new Array(this.catalog.size).fill(undefined);
    for (const it of await this.store.allItems()) {
      const c = this.catalog.indexOf(it.id);
      const v = it.attributes[name];
      if (c !== undefined && v !== undefined && v !== null) labels[c] = String(v);
    }
    const groups = makeItemGroups(labels);
    this.groups.set(name, { at: now, size: this.catalog.size, groups });
    return groups;
  }

  /** Long-tail items (outside the head holding 20% of positive feedback). */
  tail(): Uint8Array {
    const now = Date.now();
    if (this.tailMask && now - this.tailMask.at < TTL_MS && this.tailMask.size === this.catalog.size) {
      return this.tailMask.tail;
    }
    const tail = tailItems(this.catalog.popularity.subarray(0, this.catalog.size));
    this.tailMask = { at: now, size: this.catalog.size, tail };
    return tail;
  }
}

/** What the re-ranker reads from the server. */
export interface ServingRerankSource {
  catalog: CatalogState;
  snapshot: ModelSnapshot | undefined;
  groups: GroupCache;
}

/**
 * Re-orders `list` (best first) by `pipeline`; entries listed in `pinned` keep their positions.
 * Returns the re-ordered entries (the same objects), the first `k` chosen by the pipeline.
 */
export async function rerankServed<T extends { id: string }>(
  src: ServingRerankSource,
  user: string,
  list: readonly T[],
  scores: ArrayLike<number>,
  pipeline: RerankPipeline,
  pinned: ReadonlySet<string> = new Set(),
): Promise<T[]> {
  if (pipeline.stages.length === 0 || list.length < 2) return [...list];
  const { catalog, snapshot } = src;
  const free: { entry: T; c: number; score: number }[] = [];
  for (const [k, entry] of list.entries()) {
    const c = catalog.indexOf(entry.id);
    if (c !== undefined && !pinned.has(entry.id)) free.push({ entry, c, score: scores[k]! });
  }
  const ctx: RerankContext = {
    itemPopularity: catalog.popularity,
    itemCategories: (c) => catalog.categories[c] ?? [],
    history: catalog.user(user)?.positives ?? [],
    ...(snapshot
      ? {
          itemVector: (c: number) => {
            const j = snapshot.rowOf(c);
            return j >= 0 ? snapshot.itemVector(j) : undefined;
          },
        }
      : {}),
  };
  for (const s of pipeline.spec) {
    if (s.kind === 'tail') ctx.tail = src.groups.tail();
    if (s.kind === 'fair' && s.attribute !== undefined) {
      ctx.itemGroups = { ...ctx.itemGroups, [s.attribute]: await src.groups.byAttribute(s.attribute) };
    }
  }
  const ranked = pipeline.run(
    Int32Array.from(free, (f) => f.c),
    Float64Array.from(free, (f) => f.score),
    ctx,
  );
  const byIndex = new Map(free.map((f) => [f.c, f.entry]));
  const order = Array.from(ranked.ids, (c) => byIndex.get(c)!);
  // pinned (and unknown) entries back at their positions
  const out: T[] = [];
  let next = 0;
  for (const entry of list) {
    const c = catalog.indexOf(entry.id);
    out.push(c === undefined || pinned.has(entry.id) ? entry : order[next++]!);
  }
  return out;
}
