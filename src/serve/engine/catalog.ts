/**
 * @module serve/engine/catalog
 * The engine's in-memory view of the catalog and of who saw what, built from the store at start-up
 * and kept current by every write: dense catalog indices for item ids (an index survives deletion
 * as a tombstone, so model snapshots can keep pointing at it), hidden/deleted flags, categories,
 * timestamps, popularity (positive feedback counts), and per-user seen and positive items. The
 * fallback lists (popular, latest; Gorse's fallback recommenders) are sorted lazily.
 */

import { IdMap } from '../../data/id-map.js';
import { tokenize } from '../../encoders/text/hashing.js';
import { isPositive, type PositiveRule } from '../../io/positive.js';
import type { StoredFeedback, StoredItem } from '../../store/types.js';

/** What the engine remembers of one user. */
export interface UserState {
  /** Catalog indices of every item the user gave any feedback on. */
  seen: Set<number>;
  /** Catalog indices of positively rated items, first occurrence order, unique. */
  positives: number[];
  positiveSet: Set<number>;
  /** Server time (ms) when the positive items last changed (0 for history loaded at start-up). */
  lastEvent: number;
}

/** How long a popular ranking is reused while feedback keeps arriving (ms). */
const POPULAR_TTL_MS = 1000;
/** Catalogs at least this large re-sort popularity at most once per {@link POPULAR_TTL_MS}. */
const LARGE_CATALOG = 20000;

/** The most distinct words the catalog remembers for search (about 100 MB of strings at most). */
const MAX_WORDS = 2_000_000;

/** The words of a text as the built-in text encoder splits them. */
const wordsOf = tokenize;

export class CatalogState {
  readonly ids = new IdMap();
  private cap = 0;
  hidden = new Uint8Array(0);
  deleted = new Uint8Array(0);
  timestamps = new Float64Array(0);
  popularity = new Float64Array(0);
  categories: (readonly string[])[] = [];
  private readonly users = new Map<string, UserState>();
  private popularOrder: Int32Array | undefined;
  private popularAt = 0;
  private popularDirty = false;
  private latestOrder: Int32Array | undefined;
  private liveCount = 0;

  constructor(private positive: readonly PositiveRule[]) {}

  /** Number of catalog indices (deleted ones included). */
  get size(): number {
    return this.ids.size;
  }

  /** Items that exist (not deleted). */
  get live(): number {
    return this.liveCount;
  }

  setPositiveRules(rules: readonly PositiveRule[]): void {
    this.positive = rules;
  }

  isPositive(type: string, value: number): boolean {
    return isPositive(this.positive, type, value);
  }

  private grow(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 1024);
    const h = new Uint8Array(cap);
    h.set(this.hidden);
    this.hidden = h;
    const d = new Uint8Array(cap);
    d.set(this.deleted);
    this.deleted = d;
    const t = new Float64Array(cap);
    t.set(this.timestamps);
    this.timestamps = t;
    const p = new Float64Array(cap);
    p.set(this.popularity);
    this.popularity = p;
    this.cap = cap;
  }

  /**
   * Lower-case words of every item text seen (never shrinks; capped at {@link MAX_WORDS}), so that
   * search can tell a query about items added after the text encoder's fit from nonsense.
   */
  private readonly words = new Set<string>();

  /** How many words of `text` occur in some item's text. */
  knownWords(text: string): number {
    let n = 0;
    for (const w of wordsOf(text)) if (this.words.has(w)) n++;
    return n;
  }

  /** Adds or updates an item; returns its catalog index and whether it is new (or revived). */
  upsert(item: StoredItem): { index: number; added: boolean } {
    if (this.words.size < MAX_WORDS) {
      for (const t of Object.values(item.text)) for (const w of wordsOf(t)) this.words.add(w);
    }
    const known = this.ids.get(item.id);
    const index = known ?? this.ids.add(item.id);
    this.grow(this.ids.size);
    const added = known === undefined || this.deleted[index] === 1;
    if (added) this.liveCount++;
    this.deleted[index] = 0;
    this.hidden[index] = item.hidden ? 1 : 0;
    this.timestamps[index] = item.timestamp;
    this.categories[index] = item.categories;
    this.latestOrder = undefined;
    return { index, added };
  }

  /** Marks an item deleted (its feedback goes with it); returns its index. */
  remove(id: string): number | undefined {
    const i = this.ids.get(id);
    if (i === undefined || this.deleted[i]) return undefined;
    this.deleted[i] = 1;
    this.liveCount--;
    this.popularity[i] = 0;
    for (const u of this.users.values()) {
      u.seen.delete(i);
      if (u.positiveSet.delete(i)) u.positives = u.positives.filter((x) => x !== i);
    }
    this.latestOrder = undefined;
    this.popularOrder = undefined;
    return i;
  }

  /** Catalog index of a live item. */
  indexOf(id: string): number | undefined {
    const i = this.ids.get(id);
    return i === undefined || this.deleted[i] ? undefined : i;
  }

  /** Whether item i can be served at all (exists, not hidden). */
  servable(i: number): boolean {
    return this.deleted[i] === 0 && this.hidden[i] === 0;
  }

  hasCategory(i: number, category: string): boolean {
    return this.categories[i]?.includes(category) ?? false;
  }

  user(id: string): UserState | undefined {
    return this.users.get(id);
  }

  userIds(): IterableIterator<string> {
    return this.users.keys();
  }

  /**
   * Takes feedback in (already stored). Returns the users whose positive items changed. `now` is
   * the server time in ms (0 when loading history at start-up: it predates every model version).
   */
  addFeedback(rows: readonly StoredFeedback[], now = Date.now()): Set<string> {
    const changed = new Set<string>();
    for (const f of rows) {
      const i = this.indexOf(f.item);
      if (i === undefined) continue;
      let u = this.users.get(f.user);
      if (!u) {
        u = { seen: new Set(), positives: [], positiveSet: new Set(), lastEvent: 0 };
        this.users.set(f.user, u);
      }
      u.seen.add(i);
      if (this.isPositive(f.type, f.value)) {
        this.popularity[i]!++;
        this.popularDirty = true;
        if (!u.positiveSet.has(i)) {
          u.positiveSet.add(i);
          u.positives.push(i);
          u.lastEvent = now;
          changed.add(f.user);
        }
      }
    }
    return changed;
  }

  /** Registers a user without feedback (so that it exists for the engine). */
  ensureUser(id: string): void {
    if (!this.users.has(id)) {
      this.users.set(id, { seen: new Set(), positives: [], positiveSet: new Set(), lastEvent: 0 });
    }
  }

  deleteUser(id: string): void {
    const u = this.users.get(id);
    if (!u) return;
    for (const i of u.positives) if (this.popularity[i]! > 0) this.popularity[i]!--;
    this.users.delete(id);
    this.popularOrder = undefined;
  }

  /**
   * Live items with positive feedback, most first (ties: lower index). In large catalogs, while
   * feedback keeps arriving, the ranking is re-sorted at most once a second.
   */
  popular(): Int32Array {
    const now = Date.now();
    const stale = this.size < LARGE_CATALOG || now - this.popularAt >= POPULAR_TTL_MS;
    if (!this.popularOrder || (this.popularDirty && stale)) {
      this.popularDirty = false;
      const n = this.size;
      const order: number[] = [];
      for (let i = 0; i < n; i++) if (!this.deleted[i] && this.popularity[i]! > 0) order.push(i);
      const p = this.popularity;
      order.sort((a, b) => p[b]! - p[a]! || a - b);
      this.popularOrder = Int32Array.from(order);
      this.popularAt = now;
    }
    return this.popularOrder;
  }

  /** Live items by timestamp, newest first (ties: higher index, i.e. later insert, first). */
  latest(): Int32Array {
    if (!this.latestOrder) {
      const n = this.size;
      const order: number[] = [];
      for (let i = 0; i < n; i++) if (!this.deleted[i]) order.push(i);
      const t = this.timestamps;
      order.sort((a, b) => t[b]! - t[a]! || b - a);
      this.latestOrder = Int32Array.from(order);
    }
    return this.latestOrder;
  }
}
