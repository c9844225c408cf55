/**
 * @module synth/shop
 * A seeded synthetic shop at realistic shape, for scale curves (bench/scale.ts) and tests:
 *
 * - **Items** belong to one of `clusters` latent clusters (uniformly drawn). Item popularity is
 *   Zipf-like: the item of popularity rank r (a seeded random permutation of the items) has weight
 *   (r + 1)^-itemAlpha (default 1.0, the classic shop/long-tail exponent).
 * - **Users** have Zipf-like activity: every user has `minPerUser` events (default 2, as after a
 *   light k-core) and the rest are shared out ∝ (rank + 1)^-userAlpha (default 0.9) over a
 *   random permutation of users, so a few users are very active and most are not.
 * - **Taste**: each user prefers `prefs` (default 2) clusters. With probability `affinity`
 *   (default 0.8) an event's item is drawn from one of the user's clusters (∝ popularity within the
 *   cluster), otherwise from the whole catalog (∝ popularity). So content predicts interactions.
 * - **Timestamps**: each user's events are increasing, starting at a uniform time in
 *   [start, start + spanDays) and spaced by exponential gaps (mean 1 day); Unix seconds.
 * - **Modalities** "text", "image", "audio": item row = signal · centre[modality][cluster] + noise,
 *   noise ~ N(0, 1) per coordinate (signal defaults 1.5 / 1.0 / 0.6: text is the most
 *   informative, audio the least). Audio is missing for a share `audioMissing` (default 0.3) of
 *   items (zero rows, presence 0), as real catalogs have holes.
 *
 * Everything is typed arrays (about 20 bytes per event and 4 · (text + image + audio dims) bytes
 * per item, no per-event objects), so 10^7 events fit in a few hundred MB. Id maps are "u<idx>"
 * and "i<idx>" strings, built only when asked (`toDataset`).
 */
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import type { InteractionLog } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { type FeatureModality, makeModality } from '../modalities/modality.js';
import { Rng } from '../util/rng.js';

export interface ShopSpec {
  users: number;
  items: number;
  /** Total events (every user has at least minPerUser of them). */
  events: number;
  seed: number;
  clusters?: number;
  itemAlpha?: number;
  userAlpha?: number;
  minPerUser?: number;
  prefs?: number;
  affinity?: number;
  /** Feature widths per modality (default text 64, image 64, audio 32). */
  dims?: { text: number; image: number; audio: number };
  /** Cluster signal strength per modality, relative to unit noise. */
  signal?: { text: number; image: number; audio: number };
  audioMissing?: number;
  /** Unix seconds of the earliest possible first event (default 2024-01-01). */
  start?: number;
  spanDays?: number;
}

export interface Shop {
  readonly spec: Required<ShopSpec>;
  readonly nUsers: number;
  readonly nItems: number;
  /** Events sorted by user, then time; values are 1 (implicit feedback). */
  readonly log: InteractionLog;
  /** Latent cluster of each item. */
  readonly itemCluster: Int32Array;
  /** The clusters each user prefers (nUsers x prefs). */
  readonly userClusters: Int32Array;
  readonly modalities: FeatureModality[];
}

export const SHOP_DEFAULTS = {
  clusters: 32,
  itemAlpha: 1.0,
  userAlpha: 0.9,
  minPerUser: 2,
  prefs: 2,
  affinity: 0.8,
  dims: { text: 64, image: 64, audio: 32 },
  signal: { text: 1.5, image: 1.0, audio: 0.6 },
  audioMissing: 0.3,
  start: 1_704_067_200,
  spanDays: 365,
} as const;

function resolve(spec: ShopSpec): Required<ShopSpec> {
  const s = {
    ...SHOP_DEFAULTS,
    ...spec,
    dims: { ...SHOP_DEFAULTS.dims, ...spec.dims },
    signal: { ...SHOP_DEFAULTS.signal, ...spec.signal },
  };
  const ints: [string, number, number][] = [
    ['users', s.users, 1],
    ['items', s.items, 1],
    ['events', s.events, 1],
    ['clusters', s.clusters, 1],
    ['minPerUser', s.minPerUser, 1],
    ['prefs', s.prefs, 1],
  ];
  for (const [name, v, min] of ints) {
    if (!Number.isInteger(v) || v < min)
      throw new InvalidArgumentError(`shop: ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (s.events < s.users * s.minPerUser) {
    throw new InvalidArgumentError(
      `shop: ${s.events} events cannot give ${s.users} users ${s.minPerUser} events each`,
    );
  }
  if (s.prefs > s.clusters) throw new InvalidArgumentError('shop: prefs must be <= clusters');
  if (!(s.affinity >= 0 && s.affinity <= 1))
    throw new InvalidArgumentError('shop: affinity must be in [0, 1]');
  if (!(s.audioMissing >= 0 && s.audioMissing < 1))
    throw new InvalidArgumentError('shop: audioMissing must be in [0, 1)');
  if (!(s.itemAlpha >= 0) || !(s.userAlpha >= 0)) throw new InvalidArgumentError('shop: alphas must be >= 0');
  return s;
}

/** Zipf weights (rank + 1)^-alpha over a seeded random permutation of n entries. */
function zipfWeights(n: number, alpha: number, rng: Rng): Float64Array {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(perm);
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) w[perm[r]!] = (r + 1) ** -alpha;
  return w;
}

/** Index of the first entry of the cumulative table `cum[lo..hi)` above x. */
function search(cum: Float64Array, lo: number, hi: number, x: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (cum[m]! > x) b = m;
    else a = m + 1;
  }
  return a;
}

/** Generates the shop described by `spec` (deterministic for a seed). */
export function generateShop(spec: ShopSpec): Shop {
  const s = resolve(spec);
  const { users: nUsers, items: nItems, clusters: C } = s;
  const rng = new Rng(s.seed);
  // items: cluster and popularity
  const itemCluster = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) itemCluster[i] = rng.int(C);
  const itemW = zipfWeights(nItems, s.itemAlpha, rng);
  // items grouped by cluster, with cumulative popularity inside each group and over the catalog
  const start = new Int32Array(C + 1);
  for (let i = 0; i < nItems; i++) start[itemCluster[i]! + 1]!++;
  for (let c = 0; c < C; c++) start[c + 1]! += start[c]!;
  const byCluster = new Int32Array(nItems);
  const fill = start.slice(0, C);
  for (let i = 0; i < nItems; i++) byCluster[fill[itemCluster[i]!]!++] = i;
  const clusterCum = new Float64Array(nItems);
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let k = start[c]!; k < start[c + 1]!; k++) {
      acc += itemW[byCluster[k]!]!;
      clusterCum[k] = acc;
    }
  }
  const globalCum = new Float64Array(nItems);
  let total = 0;
  for (let i = 0; i < nItems; i++) {
    total += itemW[i]!;
    globalCum[i] = total;
  }
  // users: activity and preferred clusters
  const userW = zipfWeights(nUsers, s.userAlpha, rng);
  let wSum = 0;
  for (const w of userW) wSum += w;
  const rest = s.events - nUsers * s.minPerUser;
  const counts = new Int32Array(nUsers);
  let given = 0;
  for (let u = 0; u < nUsers; u++) {
    counts[u] = s.minPerUser + Math.floor((rest * userW[u]!) / wSum);
    given += counts[u]!;
  }
  // the rounding remainder goes one each to users in a seeded order
  const order = Int32Array.from({ length: nUsers }, (_, i) => i);
  rng.shuffle(order);
  for (let k = 0; given < s.events; k = (k + 1) % nUsers, given++) counts[order[k]!]!++;
  const userClusters = new Int32Array(nUsers * s.prefs);
  for (let u = 0; u < nUsers; u++) {
    for (let p = 0; p < s.prefs; p++) {
      let c: number;
      let dup: boolean;
      do {
        c = rng.int(C);
        dup = false;
        for (let q = 0; q < p; q++) if (userClusters[u * s.prefs + q] === c) dup = true;
      } while (dup);
      userClusters[u * s.prefs + p] = c;
    }
  }
  // events
  const n = s.events;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float32Array(n).fill(1);
  const timestamps = new Float64Array(n);
  const span = s.spanDays * 86_400;
  let e = 0;
  for (let u = 0; u < nUsers; u++) {
    let t = s.start + Math.floor(rng.next() * span);
    for (let k = 0; k < counts[u]!; k++, e++) {
      let item: number;
      if (rng.next() < s.affinity) {
        const c = userClusters[u * s.prefs + rng.int(s.prefs)]!;
        const lo = start[c]!;
        const hi = start[c + 1]!;
        if (hi > lo) {
          const x = rng.next() * clusterCum[hi - 1]!;
          item = byCluster[search(clusterCum, lo, hi, x)]!;
        } else item = search(globalCum, 0, nItems, rng.next() * total);
      } else item = search(globalCum, 0, nItems, rng.next() * total);
      users[e] = u;
      items[e] = item;
      timestamps[e] = t;
      t += Math.max(1, Math.round(-Math.log(1 - rng.next()) * 86_400));
    }
  }
  const log: InteractionLog = { length: n, users, items, values, timestamps };
  const modalities = makeModalities(s, itemCluster, new Rng(rng.nextU32()));
  return { spec: s, nUsers, nItems, log, itemCluster, userClusters, modalities };
}

function makeModalities(s: Required<ShopSpec>, itemCluster: Int32Array, rng: Rng): FeatureModality[] {
  const nItems = itemCluster.length;
  const out: FeatureModality[] = [];
  for (const name of ['text', 'image', 'audio'] as const) {
    const dim = s.dims[name];
    const signal = s.signal[name];
    const centres = new Float32Array(s.clusters * dim);
    for (let k = 0; k < centres.length; k++) centres[k] = rng.normal();
    const data = new Float32Array(nItems * dim);
    const present = new Uint8Array(nItems).fill(1);
    for (let i = 0; i < nItems; i++) {
      if (name === 'audio' && rng.next() < s.audioMissing) {
        present[i] = 0;
        continue;
      }
      const c = itemCluster[i]! * dim;
      for (let j = 0; j < dim; j++) data[i * dim + j] = signal * centres[c + j]! + rng.normal();
    }
    out.push(makeModality(name, nItems, dim, data, `synth:shop:${name}`, present));
  }
  return out;
}

/** The shop as a Dataset (id maps "u<idx>" / "i<idx>", no catalog rows). */
export function shopDataset(shop: Shop, name = 'shop'): Dataset {
  const { users, items, events, seed } = shop.spec;
  return {
    name,
    source: `synth:shop:users=${users},items=${items},events=${events},seed=${seed}`,
    users: IdMap.from(Array.from({ length: shop.nUsers }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: shop.nItems }, (_, i) => `i${i}`)),
    log: shop.log,
    modalities: shop.modalities,
  };
}

/**
 * Users and items matched to an event count as bench/scale.ts uses them: about 10 events per
 * user and items growing with events (10^5 events -> 10^4 items, 10^7 -> 10^6 items).
 */
export function shopShape(events: number): { users: number; items: number; events: number } {
  const users = Math.max(10, Math.round(events / 10));
  const items = Math.max(100, Math.round(10 ** (4 + (Math.log10(events) - 5))));
  return { users, items: Math.min(items, events), events };
}
