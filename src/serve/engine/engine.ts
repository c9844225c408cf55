/**
 * @module serve/engine/engine
 * The serving engine: everything the HTTP routes do, over a {@link Store}. It holds the catalog
 * state in memory, the active model snapshot (swapped atomically by one reference assignment when
 * a version is activated), the snapshots of A/B arms, the content encoders and content indexes.
 *
 * - recommend: the user's vector (trained, or folded in from their positive feedback) searched in
 *   the snapshot's item index, filtered (servable, category, not seen), filled up by the fallbacks
 *   popular then latest; with no model at all, only the fallbacks (Gorse's fallback recommenders).
 * - feedback: stored, then the user's vector is re-solved at once in every loaded snapshot (fold-in,
 *   prior = the trained vector), so the very next request reflects it.
 * - items: encoded at insert with the catalog's encoders; with a content model they also get an
 *   item vector (contentItemVector) and can be recommended at once; with an ID-only model they
 *   appear through the latest fallback, content similarity and search.
 */

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreUserVectors } from '../../cache/store-user-vectors.js';
import type { UserVectorCache } from '../../cache/types.js';
import type { MediaKind } from '../../encoders/encoder.js';
import { describeError, InvalidRequestError, NotFoundError, NotSupportedError } from '../../errors.js';
import { parsePositiveRules } from '../../io/positive.js';
import { extensionFor } from '../../store/media.js';
import type {
  ChangeRecord,
  ExperimentArm,
  ExperimentRecord,
  ItemPatch,
  Store,
  StoredFeedback,
  StoredItem,
  StoredUser,
} from '../../store/types.js';
import type { EncodeService } from '../content/encode-service.js';
import { ContentEncoders, META } from '../content/encoders.js';
import { mediaRootOf, normalizeItemMedia, prepareItems } from '../content/prepare-items.js';
import type { RemoteFetchOptions } from '../content/remote-fetch.js';
import { TimeSlicer } from '../content/slices.js';
import type { IndexOptions } from '../retrieval/index.js';
import { CatalogState } from './catalog.js';
import { ContentIndexes } from './content-index.js';
import { ExperimentManager, type ExperimentReport, validateArms } from './experiments.js';
import { type ExposureFigures, ExposureMonitor } from './exposure-monitor.js';
import { OperatorState, type PrivacyOptions, SETTINGS } from './operator-state.js';
import { keeper, rankFor, type Source } from './rank.js';
import { GroupCache, rerankServed, servingPipeline } from './rerank.js';
import {
  applyRules,
  type FiredRule,
  type ItemFacts,
  inSegment,
  needsUser,
  pinnedItems,
  type UserFacts,
} from './rules.js';
import { type Explanation, ModelSnapshot } from './snapshot.js';

export interface EngineOptions {
  /** Folder item media paths are relative to (default: the store's `media-root`, else `<db folder>/media`). */
  mediaRoot?: string;
  /** Positive feedback rules (default: the store's, else every event). */
  positive?: string[];
  /** Feedback types counted as A/B clicks (default ["click"]). */
  clickTypes?: string[];
  /** Feedback types counted as A/B conversions (default ["purchase"]). */
  conversionTypes?: string[];
  /** Log an impression for every served list, not only those of A/B arms (default false). */
  logAllImpressions?: boolean;
  index?: IndexOptions;
  allowRemote?: boolean;
  /** Limits of remote media fetches, and internal hosts allowed (`--allow-remote`). */
  remoteFetch?: RemoteFetchOptions;
  /** Where media are decoded and encoded, with its limits (default: one per ContentEncoders). */
  encodeService?: EncodeService;
  /** Called on engine events (metrics). */
  onEvent?: (e: EngineEvent) => void;
  /** Logger for non-fatal problems (default: stderr). */
  log?: (line: string) => void;
  /** Where folded-in user vectors are remembered (default: the data store). */
  userVectors?: UserVectorCache;
  /** Request-log pseudonyms (default: on, with a key generated into the store's meta). */
  privacy?: PrivacyOptions;
}

export type EngineEvent =
  | { kind: 'feedback'; rows: readonly StoredFeedback[] }
  | { kind: 'fold-in'; seconds: number }
  | { kind: 'model'; name: string; version: number };

export interface RecommendOptions {
  n: number;
  offset?: number;
  category?: string | undefined;
  excludeSeen?: boolean;
  explain?: boolean;
  /** An operator looking (the dashboard): the list is served as usual but logs no impression. */
  operator?: boolean;
  /** false: the non-personalised list (popular, then latest), no impression (opted-out users always). */
  personalised?: boolean;
  /**
   * Re-ranking stages (src/rerank spec, e.g. `mmr:0.3,pop:0.5,fair:brand=0.3`); default: the
   * operator's `rerank` setting; `none`: no re-ranking.
   */
  rerank?: string;
}

export interface RankedItem {
  id: string;
  score: number;
  explanation?: Explanation;
  /** With explain and business rules: the rules that fired on this item. */
  rules?: FiredRule[];
}

export interface RecommendResult {
  user: string | null;
  model: { name: string; version: number } | null;
  source: Source;
  arm?: { experiment: string; arm: string };
  impressionId?: string;
  items: RankedItem[];
}

export interface SearchHitOut {
  id: string;
  score: number;
  modality: MediaKind;
}

export class Engine {
  /**
   * The in-memory state, replaced as a whole by {@link reload} (one assignment each; a request
   * that already read one of them finishes on it).
   */
  private state: {
    catalog: CatalogState;
    content: ContentEncoders;
    contentIndexes: ContentIndexes;
    experiments: ExperimentManager;
  };
  readonly startedAt = new Date();
  /** Why the active version could not be served (it is then served by the fallbacks). */
  modelError: string | undefined;
  private activeSnap: ModelSnapshot | undefined;
  private snaps = new Map<number, ModelSnapshot>();
  private readonly log: (line: string) => void;
  /** Business rules, opt-outs and request-log pseudonyms (operator-state.ts). */
  readonly operator: OperatorState;

  private constructor(
    readonly store: Store,
    readonly mediaRoot: string,
    catalog: CatalogState,
    content: ContentEncoders,
    private readonly options: EngineOptions,
  ) {
    this.state = {
      catalog,
      content,
      contentIndexes: new ContentIndexes(store, catalog, options.index ?? {}),
      experiments: new ExperimentManager(store, {
        clickTypes: options.clickTypes ?? ['click'],
        conversionTypes: options.conversionTypes ?? ['purchase'],
      }),
    };
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.operator = new OperatorState(store, options.privacy ?? {});
  }

  get catalog(): CatalogState {
    return this.state.catalog;
  }
  private readonly exposure = new ExposureMonitor();

  /** Live bias figures of the lists served since start (serve/engine/exposure-monitor). */
  exposureFigures(): ExposureFigures[] {
    return this.exposure.figures(this.catalog);
  }

  private recordExposure(result: RecommendResult): void {
    const items: number[] = [];
    for (const it of result.items) {
      const c = this.catalog.indexOf(it.id);
      if (c !== undefined) items.push(c);
    }
    const history = this.catalog.user(result.user!)?.positives ?? [];
    let s = 0;
    const recent = history.slice(-200);
    for (const i of recent) s += this.catalog.popularity[i] ?? 0;
    this.exposure.record(
      result.model,
      result.arm?.arm ?? null,
      items,
      recent.length > 0 ? s / recent.length : Number.NaN,
    );
  }

  private groupCache: GroupCache | undefined;
  /** Item groups and the tail mask for re-ranking, over the current catalog. */
  private get groups(): GroupCache {
    if (this.groupCache?.catalog !== this.catalog) this.groupCache = new GroupCache(this.store, this.catalog);
    return this.groupCache;
  }
  get content(): ContentEncoders {
    return this.state.content;
  }
  get contentIndexes(): ContentIndexes {
    return this.state.contentIndexes;
  }
  get experiments(): ExperimentManager {
    return this.state.experiments;
  }

  /** Loads the catalog and history from the store, the active version and the A/B arms' versions. */
  static async open(store: Store, options: EngineOptions = {}): Promise<Engine> {
    const positive = options.positive ?? (await store.getMeta<string[]>(META.positive)) ?? [];
    const catalog = new CatalogState(parsePositiveRules(positive));
    const mediaRoot = await mediaRootOf(store, options.mediaRoot);
    for (const it of await store.allItems()) catalog.upsert(it);
    catalog.addFeedback(await store.allFeedback(), 0);
    // feedback that retention aggregated away still counts towards popularity (serve/retention.ts)
    for (const a of await store.feedbackAggregates()) {
      const c = catalog.indexOf(a.item);
      if (c !== undefined && catalog.isPositive(a.type, 1))
        catalog.popularity[c] = catalog.popularity[c]! + a.count;
    }
    const content = await ContentEncoders.open(store, mediaRoot, {
      allowRemote: options.allowRemote ?? false,
      ...(options.encodeService ? { service: options.encodeService } : {}),
      ...(options.remoteFetch ? { remote: options.remoteFetch } : {}),
    });
    const engine = new Engine(store, mediaRoot, catalog, content, options);
    const active = await store.activeModelVersion();
    if (active !== undefined) {
      try {
        engine.serve(await engine.snapshot(active));
      } catch (err) {
        engine.modelError = describeError(err);
        engine.log(`model version ${active} is not served (fallbacks answer): ${engine.modelError}`);
      }
    }
    for (const e of await engine.experiments.refresh()) {
      for (const a of e.arms) {
        try {
          await engine.snapshot(a.version);
        } catch (err) {
          engine.log(
            `experiment "${e.name}" arm "${a.name}": version ${a.version} not served: ${describeError(err)}`,
          );
        }
      }
    }
    await engine.operator.ready();
    return engine;
  }

  /** Where folded-in user vectors are remembered (the cache half of the store split). */
  get userVectors(): UserVectorCache {
    this.vectorCache ??= this.options.userVectors ?? new StoreUserVectors(this.store);
    return this.vectorCache;
  }
  private vectorCache: UserVectorCache | undefined;

  /** The active snapshot (one read: use it for a whole request). */
  get active(): ModelSnapshot | undefined {
    return this.activeSnap;
  }

  /** The loaded snapshot of `version`, loading it when needed. */
  async snapshot(version: number, options: { dataTime?: number } = {}): Promise<ModelSnapshot> {
    const have = this.snaps.get(version);
    if (have) return have;
    const info = (await this.store.listModelVersions()).find((v) => v.version === version);
    if (!info) throw new NotFoundError(`unknown model version ${version}`);
    const snap = await ModelSnapshot.load(this.store, info, this.catalog, {
      userVectors: this.userVectors,
      log: this.log,
      ...(this.options.index ? { index: this.options.index } : {}),
      ...(options.dataTime === undefined ? {} : { dataTime: options.dataTime }),
    });
    await this.catchUp(snap);
    const raced = this.snaps.get(version);
    if (raced) return raced;
    this.snaps.set(version, snap);
    return snap;
  }

  /** Gives a new snapshot the items added since its training (content models), until none is missing. */
  private async catchUp(snap: ModelSnapshot): Promise<void> {
    if (!snap.hasContent) return;
    for (let round = 0; round < 5; round++) {
      const missing: number[] = [];
      for (let c = 0; c < this.catalog.size; c++) {
        if (!this.catalog.deleted[c] && snap.rowOf(c) < 0) missing.push(c);
      }
      if (missing.length === 0) return;
      for (const c of missing) {
        const features = await this.store.itemVectors(this.catalog.ids.raw(c));
        if (!this.catalog.deleted[c] && snap.rowOf(c) < 0) snap.addFromContent(c, features);
      }
    }
  }

  /**
   * Makes `version` the served model: loads it (or reuses the loaded one), marks it active in the
   * store, then swaps the reference. Requests in flight finish on the snapshot they took.
   */
  async activate(version: number, options: { dataTime?: number } = {}): Promise<ModelSnapshot> {
    const snap = await this.snapshot(version, options);
    await this.store.activateModelVersion(version);
    this.serve(snap);
    return snap;
  }

  /** Swaps the served snapshot (memory only: the store already says it is active). */
  private serve(snap: ModelSnapshot): void {
    this.activeSnap = snap;
    this.modelError = undefined;
    this.prune();
    this.options.onEvent?.({ kind: 'model', name: snap.name, version: snap.version });
  }

  /** Drops snapshots neither active nor in a running experiment. */
  private prune(): void {
    const keep = new Set<number>();
    if (this.activeSnap) keep.add(this.activeSnap.version);
    for (const e of this.experiments.active) for (const a of e.arms) keep.add(a.version);
    for (const v of [...this.snaps.keys()]) if (!keep.has(v)) this.snaps.delete(v);
  }

  // ---------------------------------------------------------------- recommendations

  /** Recommendations for a user (unknown users get the fallbacks). */
  recommend(user: string, o: RecommendOptions): RecommendResult {
    // an opted-out user gets the non-personalised list and is not tracked (no impression)
    const personal = o.personalised !== false && !this.operator.isOptedOut(user);
    if (!personal) o = { ...o, operator: true };
    const assigned = personal ? this.experiments.armOf(user) : undefined;
    const snap = (assigned && this.snaps.get(assigned.arm.version)) ?? this.activeSnap;
    const state = personal ? this.catalog.user(user) : undefined;
    const offset = o.offset ?? 0;
    const hadFold = snap?.overrides.has(user) ?? true;
    const t0 = performance.now();
    const vector = personal ? snap?.userVector(user, state) : undefined;
    if (snap && !hadFold && snap.overrides.has(user)) {
      // userVector folded this user in now (unknown to the model, or events since its training)
      this.options.onEvent?.({ kind: 'fold-in', seconds: (performance.now() - t0) / 1000 });
    }
    const ranked = rankFor(
      this.catalog,
      snap,
      vector,
      offset + o.n,
      { category: o.category, exclude: o.excludeSeen === false ? undefined : state?.seen },
      o.explain === true,
    ).slice(offset);
    const items = ranked.map((r) => {
      const it: RankedItem = { id: this.catalog.ids.raw(r.c), score: r.score };
      if (o.explain) {
        it.explanation = r.explanation ?? { collaborative: 0, bias: 0, modalities: {} };
      }
      return it;
    });
    const result: RecommendResult = {
      user,
      model: snap ? { name: snap.name, version: snap.version } : null,
      source: ranked[0]?.from ?? (vector ? 'model' : 'popular'),
      items,
    };
    if (assigned) result.arm = { experiment: assigned.experiment.id, arm: assigned.arm.name };
    if (!o.operator) this.logServed(result);
    return result;
  }

  /** Logs the impression of a served list (A/B arms always; others with logAllImpressions). */
  private logServed(result: RecommendResult): void {
    if (result.user === null) return;
    const ids = result.items.map((i) => i.id);
    this.recordExposure(result);
    if (result.arm) result.impressionId = this.experiments.logImpression(result.user, ids, result.arm);
    else if (this.options.logAllImpressions)
      result.impressionId = this.experiments.logImpression(result.user, ids);
  }

  /**
   * {@link recommend} with the business rules applied after ranking (serve/engine/rules.ts): the
   * list is ranked a little deeper than asked (blocked items leave room), the rules see the
   * candidates' and pinned items' stored attributes and the user's labels and attributes (one
   * indexed read each, only while enabled rules exist), then the page is cut and its impression
   * logged. Without enabled rules this is exactly {@link recommend}.
   */
  async recommendRuled(user: string, o: RecommendOptions): Promise<RecommendResult> {
    let rules = this.operator.rules.filter((r) => r.enabled);
    const spec = o.rerank ?? this.operator.rerank;
    const offset = o.offset ?? 0;
    // a bad spec fails before any work; `none` and "" are no stages
    const pipeline = spec ? servingPipeline(spec, offset + o.n) : undefined;
    const reranking = pipeline !== undefined && pipeline.stages.length > 0;
    if (rules.length === 0 && !reranking) return this.recommend(user, o);
    let profile: UserFacts | undefined;
    if (needsUser(rules)) {
      // only the rules of the user's segments matter; none: the plain list, no item reads
      profile = await this.store.getUser(user);
      rules = rules.filter((r) => inSegment(r.segment, profile));
      if (rules.length === 0 && !reranking) return this.recommend(user, o);
    }
    const deep = this.recommend(user, {
      ...o,
      offset: 0,
      // re-ranking chooses from the model's top 100 (or more for deep pages)
      n: reranking ? Math.max(100, 2 * (offset + o.n)) : offset + o.n + Math.max(20, o.n),
      operator: true,
    });
    const pins = pinnedItems(rules);
    // rules read the listed items' attributes; re-ranking alone reads nothing from the store
    const stored =
      rules.length > 0
        ? await this.store.getItems([...new Set([...deep.items.map((i) => i.id), ...pins])])
        : new Map<string, StoredItem>();
    const seen = o.excludeSeen === false ? undefined : this.catalog.user(user)?.seen;
    const listed = new Set(deep.items.map((i) => i.id));
    const facts = (id: string): ItemFacts | undefined => {
      const it = stored.get(id);
      if (!it) return undefined;
      if (!listed.has(id)) {
        // a pinned item from outside the list: servable, in the asked category
        const c = this.catalog.indexOf(id);
        if (c === undefined || !this.catalog.servable(c)) return undefined;
        if (o.category !== undefined && !this.catalog.hasCategory(c, o.category)) return undefined;
        if (seen?.has(c)) return undefined;
      }
      return it;
    };
    let ruled = applyRules(deep.items, rules, { user: profile, item: facts, now: Date.now() / 1000 });
    if (reranking && deep.source === 'model') {
      const pinned = new Set(ruled.filter((r) => r.rules.some((f) => f.kind === 'pin')).map((r) => r.id));
      const snapshot = deep.model ? await this.snapshot(deep.model.version) : undefined;
      ruled = await rerankServed(
        { catalog: this.catalog, snapshot, groups: this.groups },
        user,
        ruled,
        ruled.map((r) => r.score),
        pipeline,
        pinned,
      );
    }
    const byId = new Map(deep.items.map((i) => [i.id, i]));
    const items = ruled.slice(offset, offset + o.n).map((r) => {
      const it: RankedItem = { ...(byId.get(r.id) ?? { id: r.id }), score: r.score };
      if (o.explain) {
        it.explanation ??= { collaborative: 0, bias: 0, modalities: {} };
        it.rules = r.rules;
      }
      return it;
    });
    const result: RecommendResult = { ...deep, items };
    if (!o.operator && !this.operator.isOptedOut(user)) this.logServed(result);
    return result;
  }

  /** Recommendations for an anonymous visitor from posted feedback (nothing is stored). */
  sessionRecommend(
    feedback: readonly { item: string; type?: string; value?: number }[],
    o: Omit<RecommendOptions, 'excludeSeen'>,
  ): RecommendResult {
    const snap = this.activeSnap;
    const seen = new Set<number>();
    const positives: number[] = [];
    for (const f of feedback) {
      const c = this.catalog.indexOf(f.item);
      if (c === undefined) continue;
      seen.add(c);
      if (this.catalog.isPositive(f.type ?? 'click', f.value ?? 1) && !positives.includes(c))
        positives.push(c);
    }
    const vector = snap && positives.length > 0 ? snap.foldIn(positives) : undefined;
    const offset = o.offset ?? 0;
    const ranked = rankFor(
      this.catalog,
      snap,
      vector,
      offset + o.n,
      { category: o.category, exclude: seen },
      o.explain === true,
    ).slice(offset);
    return {
      user: null,
      model: snap ? { name: snap.name, version: snap.version } : null,
      source: ranked[0]?.from ?? 'popular',
      items: ranked.map((r) => ({
        id: this.catalog.ids.raw(r.c),
        score: r.score,
        ...(o.explain ? { explanation: r.explanation ?? { collaborative: 0, bias: 0, modalities: {} } } : {}),
      })),
    };
  }

  /** Items most like `id`: cosine of model item vectors, else of content vectors. */
  async similar(
    id: string,
    o: { n: number; offset?: number; category?: string | undefined },
  ): Promise<{ source: 'model' | 'content'; items: { id: string; score: number }[] }> {
    const c = this.catalog.indexOf(id);
    if (c === undefined) throw new NotFoundError(`unknown item "${id}"`);
    const keep = keeper(this.catalog, { category: o.category });
    const want = (o.offset ?? 0) + o.n;
    const snap = this.activeSnap;
    const row = snap?.rowOf(c) ?? -1;
    if (snap && row >= 0) {
      const hits = snap.similar(row, want, keep).slice(o.offset ?? 0);
      return {
        source: 'model',
        items: hits.map((h) => ({ id: this.catalog.ids.raw(snap.catalogOf(h.item)), score: h.score })),
      };
    }
    const hits = (await this.contentIndexes.similar(c, want, this.content.kinds, keep)).slice(o.offset ?? 0);
    return {
      source: 'content',
      items: hits.map((h) => ({ id: this.catalog.ids.raw(h.item), score: h.score })),
    };
  }

  /**
   * Cross-modal search: a text query in every modality its encoder reaches, a posted image or clip
   * in its own modality; results merged by best score. Text hits under the encoder's relevance
   * floor are dropped; why a text query could match nothing goes into `notes` (one sentence each).
   */
  async search(
    q: {
      text?: string | undefined;
      image?: Uint8Array | undefined;
      audio?: Uint8Array | undefined;
      n: number;
      modality: MediaKind | 'any';
      category?: string | undefined;
    },
    notes?: string[],
  ): Promise<SearchHitOut[]> {
    const keep = keeper(this.catalog, { category: q.category });
    const best = new Map<number, SearchHitOut & { c: number }>();
    const add = (kind: MediaKind, hits: { item: number; score: number }[]) => {
      for (const h of hits) {
        const cur = best.get(h.item);
        if (!cur || h.score > cur.score) {
          best.set(h.item, { c: h.item, id: this.catalog.ids.raw(h.item), score: h.score, modality: kind });
        }
      }
    };
    const kinds: MediaKind[] = q.modality === 'any' ? ['text', 'image', 'audio'] : [q.modality];
    if (q.text !== undefined && q.text.trim() !== '') {
      for (const kind of kinds) {
        if (q.modality === 'any' && !this.content.textReaches(kind)) continue;
        const r = await this.content.encodeQuery(kind, q.text, (t) => this.catalog.knownWords(t));
        if (!r.vector) {
          if (r.why) notes?.push(r.why);
          continue;
        }
        const hits = await this.contentIndexes.search(kind, r.vector, q.n, keep);
        const kept = hits.filter((h) => h.score >= r.floor);
        if (hits.length > 0 && kept.length === 0)
          notes?.push(`nothing in ${kind} scored above the relevance floor ${r.floor.toFixed(2)}`);
        add(kind, kept);
      }
    }
    for (const kind of ['image', 'audio'] as const) {
      const bytes = q[kind];
      if (!bytes || (q.modality !== 'any' && q.modality !== kind)) continue;
      const r = await this.content.encodeBytes(kind, bytes);
      if (!r.vector) {
        throw new InvalidRequestError(kind, `expected a decodable ${kind}: ${r.error}`);
      }
      add(kind, await this.contentIndexes.search(kind, r.vector, q.n, keep));
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || a.c - b.c)
      .slice(0, q.n)
      .map(({ id, score, modality }) => ({ id, score, modality }));
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores feedback, re-solves the vectors of users with new positive items, attributes A/B events.
   * `operator` feedback (the dashboard's buttons) is stored and folded in the same way, but is
   * neither attributed to A/B impressions nor reported as a feedback event (live rate, metrics).
   */
  async addFeedback(
    rows: readonly StoredFeedback[],
    o: { operator?: boolean } = {},
  ): Promise<{ inserted: number; ignored?: number }> {
    // opted-out users are not tracked: their feedback is not stored
    const kept = rows.filter((f) => !this.operator.isOptedOut(f.user));
    const ignored = rows.length - kept.length;
    if (ignored > 0) {
      if (kept.length === 0) return { inserted: 0, ignored };
      return { ...(await this.addFeedback(kept, o)), ignored };
    }
    const r = await this.store.insertFeedback(rows);
    for (const u of r.usersCreated) this.catalog.ensureUser(u);
    this.foldFeedback(rows, true);
    if (o.operator) return { inserted: r.inserted };
    this.options.onEvent?.({ kind: 'feedback', rows });
    if (this.experiments.active.length > 0) await this.experiments.attribute(rows);
    return { inserted: r.inserted };
  }

  /**
   * Adds stored feedback to the in-memory histories and re-solves the vectors of users with new
   * positive items in every loaded snapshot; `persist` also stores the new vectors (the server
   * that took the feedback does; servers following the change feed only fold in memory).
   */
  private foldFeedback(rows: readonly StoredFeedback[], persist: boolean): void {
    const changed = this.catalog.addFeedback(rows);
    for (const user of changed) {
      const state = this.catalog.user(user)!;
      for (const snap of this.snaps.values()) {
        const t0 = performance.now();
        const v = snap.refold(user, state);
        this.options.onEvent?.({ kind: 'fold-in', seconds: (performance.now() - t0) / 1000 });
        if (v && persist)
          void this.userVectors.put(user, snap.version, v).catch((err) => this.log(describeError(err)));
      }
    }
  }

  /** Checks media references against the media root (throws InvalidInputError at `[k].image`). */
  private normalizeMedia(items: readonly StoredItem[], prefix: (k: number) => string): StoredItem[] {
    return normalizeItemMedia(this.mediaRoot, items, prefix);
  }

  /**
   * Upserts items (all-or-nothing): encodes their content, stores items and vectors in one
   * transaction, then makes them servable (content vectors in the content indexes; item vectors
   * in snapshots of content models).
   */
  async upsertItems(input: readonly StoredItem[]): Promise<{
    inserted: number;
    updated: number;
    encoded: Record<MediaKind, number>;
    failed: { id: string; modality: MediaKind; reason: string }[];
  }> {
    // the same preparation as the stream ingester's (serve/stream/apply.ts)
    const review = (await this.store.getMeta<boolean>(SETTINGS.review)) === true;
    // with the review queue on, new items are stored hidden and queued until an operator approves them
    const fresh = review
      ? input.filter((it) => this.catalog.indexOf(it.id) === undefined).map((it) => it.id)
      : [];
    const held = new Set(fresh);
    const prepared = await prepareItems(
      this.content,
      this.mediaRoot,
      held.size === 0 ? input : input.map((it) => (held.has(it.id) ? { ...it, hidden: true } : it)),
    );
    const { items: withStatus, enc } = prepared;
    const r = await this.store.upsertItems(withStatus, enc.vectors);
    if (fresh.length > 0) await this.store.queueReview(fresh);
    const byItem = new Map<string, Record<string, Float32Array>>();
    for (const v of enc.vectors) {
      const m = byItem.get(v.item) ?? {};
      m[v.modality] = v.vector;
      byItem.set(v.item, m);
    }
    const slicer = new TimeSlicer(); // a large batch is made servable in short slices
    for (const it of withStatus) {
      this.install(it, byItem.get(it.id) ?? {});
      await slicer.pause();
    }
    return { inserted: r.inserted, updated: r.updated, encoded: enc.encoded, failed: enc.failed };
  }

  /** Makes a stored item servable with its fresh content vectors. */
  private install(it: StoredItem, vectors: Record<string, Float32Array>): void {
    const { index: c } = this.catalog.upsert(it);
    this.contentIndexes.upsert(c, vectors);
    for (const snap of this.snaps.values()) {
      const row = snap.rowOf(c);
      if (row >= 0 && row < snap.nTrained) snap.restoreCatalogItem(c);
      else if (snap.hasContent) snap.addFromContent(c, vectors);
    }
  }

  /** Patches an item; re-encodes it when its text or media changed. */
  async patchItem(id: string, patch: ItemPatch): Promise<StoredItem> {
    const cur = await this.store.getItem(id);
    if (!cur) throw new NotFoundError(`unknown item "${id}"`);
    const [next] = this.normalizeMedia([{ ...cur, ...patch, id }], () => '');
    const contentChanged = 'text' in patch || 'image' in patch || 'audio' in patch;
    if (!contentChanged) {
      const stored = await this.store.patchItem(id, { ...patch, ...pickMedia(next!) });
      this.catalog.upsert(stored);
      return stored;
    }
    await this.upsertItems([next!]);
    return (await this.store.getItem(id))!;
  }

  async deleteItem(id: string): Promise<void> {
    await this.store.deleteItem(id);
    this.dropItem(id);
  }

  /** Removes an item from memory (catalog, snapshots, content indexes). */
  private dropItem(id: string): void {
    const c = this.catalog.remove(id);
    if (c === undefined) return;
    for (const snap of this.snaps.values()) snap.removeCatalogItem(c);
    this.contentIndexes.remove(c);
  }

  /** Stores an uploaded media file under `<media root>/uploads/` and points the item at it. */
  async putMedia(
    id: string,
    kind: 'image' | 'audio',
    bytes: Uint8Array,
    contentType: string,
  ): Promise<StoredItem> {
    if (!(await this.store.getItem(id))) throw new NotFoundError(`unknown item "${id}"`);
    const ext = extensionFor(contentType);
    const want = kind === 'image' ? 'image/' : 'audio/';
    if (!ext || !contentType.toLowerCase().startsWith(want)) {
      throw new InvalidRequestError(
        'Content-Type',
        `expected an ${want}* content type (e.g. ${kind === 'image' ? 'image/png' : 'audio/wav'}), got "${contentType}"`,
      );
    }
    if (bytes.length === 0) {
      throw new InvalidRequestError('body', 'expected the media bytes, got an empty body');
    }
    const name = `${createHash('sha256').update(id).digest('hex').slice(0, 24)}-${kind}${ext}`;
    const ref = `uploads/${name}`;
    const path = join(this.mediaRoot, ref);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    return this.patchItem(id, { [kind]: ref });
  }

  async upsertUsers(users: readonly StoredUser[]): Promise<{ inserted: number; updated: number }> {
    const r = await this.store.upsertUsers(users);
    for (const u of users) this.catalog.ensureUser(u.id);
    return r;
  }

  /** Deletes a user and everything about them, in the store and in memory. */
  async deleteUser(id: string): Promise<void> {
    await this.store.deleteUser(id);
    // request logs stored under the user's pseudonym
    await this.store.forgetRequestLogs(this.operator.logKeys(id));
    this.dropUser(id);
    await this.userVectors
      .forget(id)
      .catch((err) => this.log(`forgetting ${id}'s cached vectors: ${describeError(err)}`));
  }

  private dropUser(id: string): void {
    this.catalog.deleteUser(id);
    for (const snap of this.snaps.values()) snap.forgetUser(id);
  }

  /** Opts a user out of personalisation and tracking (or back in). */
  async setOptOut(user: string, optedOut: boolean): Promise<void> {
    await this.store.setOptOut(user, optedOut);
    this.operator.markOptOut(user, optedOut);
  }

  /** Everything stored about a user (request logs under the id and under its pseudonym). */
  exportUser(id: string) {
    return this.store.exportUser(id, this.operator.logKeys(id));
  }

  // ---------------------------------------------------------------- experiments

  /** Creates an A/B experiment after checking that every arm's version can be served. */
  async createExperiment(name: string, arms: ExperimentArm[]): Promise<ExperimentRecord> {
    validateArms(arms);
    for (const [k, a] of arms.entries()) {
      try {
        await this.snapshot(a.version);
      } catch (err) {
        if (err instanceof NotFoundError) {
          throw new NotFoundError(`unknown model version ${a.version} (arms[${k}].version)`, {
            cause: err,
            field: `arms[${k}].version`,
          });
        }
        throw new NotSupportedError(
          `arms[${k}].version: version ${a.version} cannot be served: ${describeError(err)}`,
          { cause: err, field: `arms[${k}].version` },
        );
      }
    }
    const e = await this.store.createExperiment({ name, arms });
    await this.experiments.refresh();
    return e;
  }

  async stopExperiment(id: string): Promise<ExperimentRecord> {
    const e = await this.store.stopExperiment(id);
    await this.experiments.refresh();
    this.prune();
    return e;
  }

  experimentReport(id: string, bucketSeconds?: number): Promise<ExperimentReport> {
    return this.experiments.report(id, bucketSeconds);
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<{
    model: { name: string; version: number } | null;
    items: number;
    users: number;
    feedback: number;
    feedbackPerMinute: number;
    index: { kind: 'hnsw' | 'brute'; size: number; dim: number } | null;
    encoders: Partial<Record<MediaKind, string>>;
    experiments: number;
    startedAt: string;
    uptimeSeconds: number;
    modelError?: string;
  }> {
    const counts = await this.store.counts();
    const snap = this.activeSnap;
    return {
      model: snap ? { name: snap.name, version: snap.version } : null,
      ...counts,
      feedbackPerMinute: await this.store.feedbackInsertedSince(Date.now() / 1000 - 60),
      index: snap ? { kind: snap.index.kind, size: snap.index.size, dim: snap.index.dim } : null,
      encoders: this.content.describe(),
      experiments: this.experiments.active.length,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: (Date.now() - this.startedAt.getTime()) / 1000,
      ...(this.modelError ? { modelError: this.modelError } : {}),
    };
  }

  // ---------------------------------------------------------------- changes made elsewhere

  /**
   * Applies one change another process recorded in the store (see store/types ChangeKind): reads
   * what changed from the store and updates memory the way the local write path does. Idempotent,
   * so replaying a change this engine already holds is harmless.
   */
  async applyChange(change: ChangeRecord): Promise<void> {
    switch (change.kind) {
      case 'feedback':
        if (!change.rows) return this.reload();
        for (const u of change.keys) this.catalog.ensureUser(u);
        this.foldFeedback(change.rows, false);
        return;
      case 'items': {
        const found = await this.store.getItems(change.keys);
        for (const id of change.keys) {
          const it = found.get(id);
          if (!it) this.dropItem(id);
          else this.install(it, await this.store.itemVectors(id));
        }
        return;
      }
      case 'item-deleted':
        for (const id of change.keys) this.dropItem(id);
        return;
      case 'users':
        for (const id of change.keys) this.catalog.ensureUser(id);
        return;
      case 'user-deleted':
        for (const id of change.keys) this.dropUser(id);
        return;
      case 'model':
        return;
      case 'rules':
        return this.operator.refreshRules();
      case 'opt-out':
        return this.operator.refreshOptOuts();
      case 'model-activated': {
        const version = await this.store.activeModelVersion();
        if (version === undefined || version === this.activeSnap?.version) return;
        try {
          this.serve(await this.snapshot(version));
        } catch (err) {
          this.modelError = describeError(err);
          this.log(`model version ${version} is not served (fallbacks answer): ${this.modelError}`);
        }
        return;
      }
      case 'experiment':
        for (const e of await this.experiments.refresh()) {
          for (const a of e.arms) {
            try {
              await this.snapshot(a.version);
            } catch (err) {
              this.log(
                `experiment "${e.name}" arm "${a.name}": version ${a.version} not served: ${describeError(err)}`,
              );
            }
          }
        }
        this.prune();
        return;
      case 'meta':
        if (change.keys.some((k) => RELOAD_META.has(k))) return this.reload();
        if (change.keys.includes(SETTINGS.rerank)) return this.operator.refreshSettings();
        return;
      case 'bulk':
        return this.reload();
    }
  }

  /**
   * Rebuilds all in-memory state from the store (after an import, or when the change feed was
   * pruned past this engine's cursor) and swaps it in; requests in flight finish on the old state.
   */
  async reload(): Promise<void> {
    const fresh = await Engine.open(this.store, { ...this.options, mediaRoot: this.mediaRoot });
    const old = this.state.content;
    this.state = fresh.state;
    this.snaps = fresh.snaps;
    this.activeSnap = fresh.activeSnap;
    this.modelError = fresh.modelError;
    if (this.activeSnap) {
      this.options.onEvent?.({ kind: 'model', name: this.activeSnap.name, version: this.activeSnap.version });
    }
    await old.dispose();
  }

  async close(): Promise<void> {
    await this.content.dispose();
  }
}

/** Metadata whose change means the engine must rebuild (encoders, their fitted state, positive rules, media root). */
const RELOAD_META: ReadonlySet<string> = new Set([
  META.encoders,
  META.textState,
  META.positive,
  META.mediaRoot,
]);

function pickMedia(it: StoredItem): Partial<StoredItem> {
  const out: Partial<StoredItem> = {};
  if (it.image !== undefined) out.image = it.image;
  if (it.audio !== undefined) out.audio = it.audio;
  return out;
}
