/**
 * @module eval/metrics/bias
 * Popularity bias, exposure concentration and fairness figures of recommendation lists
 * ({@link RecLists}, as in `beyond.ts`; negative entries are padding and skipped). Coverage,
 * novelty and intra-list diversity live in `beyond.ts` and are not repeated here.
 *
 * Popularity of an item is its number of training interactions. Definitions (docs/RESPONSIBLE.md):
 * - average recommendation popularity (ARP): mean over non-empty lists of the mean popularity of
 *   the list's items;
 * - popularity lift: (mean over users of their list's mean popularity − mean over the same users
 *   of their history's mean popularity) / the latter (Abdollahpouri et al. 2021, over all users);
 * - exposure Gini over all catalog items (never-recommended items count, with exposure 0) and the
 *   share of all recommendation slots taken by the top 1% most-recommended items;
 * - long tail: the head is the smallest set of most popular items holding 20% of the training
 *   interactions (ties by lower index); every other item is tail. Long-tail share = mean over
 *   non-empty lists of the share of their items in the tail;
 * - accuracy per user group with the gap between the best and worst group and Welch's t-test
 *   between those two groups;
 * - provider fairness: each item group's share of exposure against its share of relevance (the
 *   test positives), and their ratio.
 */

import { InvalidArgumentError } from '../../errors.js';
import type { FeatureModality } from '../../modalities/modality.js';
import { catalogCoverage, forEachList, meanIntraListDiversity, novelty, type RecLists } from './beyond.js';
import { studentTTwoSidedP } from './distributions.js';

function checkItem(item: number, nItems: number, where: string): void {
  if (item >= nItems) throw new InvalidArgumentError(`${where} has item ${item}, outside [0, ${nItems})`);
}

/** Mean over non-empty lists of the mean of `value` over their items (NaN when all are empty). */
function meanOfListMeans(lists: RecLists, value: ArrayLike<number>): number {
  let total = 0;
  let n = 0;
  forEachList(lists, (list, user) => {
    let s = 0;
    let len = 0;
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, value.length, `lists: user ${user}`);
      s += value[item]!;
      len++;
    }
    if (len > 0) {
      total += s / len;
      n++;
    }
  });
  return n > 0 ? total / n : Number.NaN;
}

/** Mean over non-empty lists of the mean popularity of their items (NaN when all are empty). */
export function averagePopularity(lists: RecLists, itemPopularity: ArrayLike<number>): number {
  return meanOfListMeans(lists, itemPopularity);
}

/**
 * Popularity lift of the lists against the users' histories: (R − H) / H, where R is the mean
 * over users of their list's mean item popularity and H the mean over the same users of their
 * history's mean item popularity. `histories[u]` is the history of the user whose list is u
 * (users with an empty list or history are skipped). 0.5 means the lists are 50% more popular
 * than what the users consumed. NaN when no user has both.
 */
export function popularityLift(
  lists: RecLists,
  histories: (u: number) => ArrayLike<number>,
  itemPopularity: ArrayLike<number>,
): number {
  let rec = 0;
  let hist = 0;
  let n = 0;
  forEachList(lists, (list, user) => {
    let s = 0;
    let len = 0;
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, itemPopularity.length, `lists: user ${user}`);
      s += itemPopularity[item]!;
      len++;
    }
    const h = histories(user);
    if (len === 0 || h.length === 0) return;
    let hs = 0;
    for (let j = 0; j < h.length; j++) hs += itemPopularity[h[j]!]!;
    rec += s / len;
    hist += hs / h.length;
    n++;
  });
  return n > 0 && hist > 0 ? (rec - hist) / hist : Number.NaN;
}

/** How often each of the `nItems` items appears in the lists. */
export function exposureCounts(lists: RecLists, nItems: number): Float64Array {
  const c = new Float64Array(nItems);
  forEachList(lists, (list, user) => {
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, nItems, `lists: user ${user}`);
      c[item]!++;
    }
  });
  return c;
}

/**
 * Gini coefficient of non-negative values: Σ_i (2i − n − 1) x_(i) / (n Σ x) with x sorted
 * ascending and i = 1..n. 0 = all equal, (n−1)/n = one value holds everything. 0 when Σ x = 0.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const x = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    if (x[i]! < 0) throw new InvalidArgumentError(`gini: values must be non-negative, got ${x[i]}`);
    sum += x[i]!;
    weighted += (2 * (i + 1) - n - 1) * x[i]!;
  }
  return sum > 0 ? weighted / (n * sum) : 0;
}

/** Gini of the exposure counts over all `nItems` catalog items. */
export function exposureGini(lists: RecLists, nItems: number): number {
  return gini(exposureCounts(lists, nItems));
}

/**
 * Share of all recommendation slots taken by the ceil(fraction · nItems) most-recommended items
 * (default fraction 0.01, the top 1%). NaN when there are no slots.
 */
export function topItemsShare(lists: RecLists, nItems: number, fraction = 0.01): number {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new InvalidArgumentError(`fraction must be in (0, 1], got ${fraction}`);
  }
  const c = exposureCounts(lists, nItems).sort().reverse();
  const top = Math.ceil(fraction * nItems);
  let all = 0;
  let head = 0;
  for (let i = 0; i < c.length; i++) {
    all += c[i]!;
    if (i < top) head += c[i]!;
  }
  return all > 0 ? head / all : Number.NaN;
}

/**
 * The long-tail mask: 1 for tail items. The head is the smallest set of most popular items
 * (ties to the lower index) whose interactions reach `headShare` (default 0.2) of all
 * interactions; every other item is tail. With no interactions every item is tail.
 */
export function tailItems(itemPopularity: ArrayLike<number>, headShare = 0.2): Uint8Array {
  if (!(headShare >= 0 && headShare <= 1)) {
    throw new InvalidArgumentError(`headShare must be in [0, 1], got ${headShare}`);
  }
  const n = itemPopularity.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => itemPopularity[b]! - itemPopularity[a]! || a - b,
  );
  let total = 0;
  for (let i = 0; i < n; i++) total += itemPopularity[i]!;
  const tail = new Uint8Array(n).fill(1);
  let acc = 0;
  for (const i of order) {
    if (acc >= headShare * total || total === 0) break;
    tail[i] = 0;
    acc += itemPopularity[i]!;
  }
  return tail;
}

/** Mean over non-empty lists of the share of their items that are tail items (NaN when none). */
export function longTailShare(lists: RecLists, tail: Uint8Array): number {
  return meanOfListMeans(lists, tail);
}

/**
 * Item vectors for intra-list diversity from the content modalities: per item, the concatenation
 * of its L2-normalised rows (a missing or zero row stays zero). With every modality present the
 * cosine of two such vectors is the mean of the per-modality cosines. Undefined without
 * modalities.
 */
export function contentVectors(
  modalities: readonly FeatureModality[],
  nItems: number,
): { vectors: Float32Array; dim: number } | undefined {
  if (modalities.length === 0) return undefined;
  const dim = modalities.reduce((s, m) => s + m.dim, 0);
  const out = new Float32Array(nItems * dim);
  let off = 0;
  for (const m of modalities) {
    if (m.data.length !== nItems * m.dim) {
      throw new InvalidArgumentError(
        `modality "${m.name}" has ${m.data.length / m.dim} rows, expected ${nItems}`,
      );
    }
    for (let i = 0; i < nItems; i++) {
      if (!m.present[i]) continue;
      let s = 0;
      for (let d = 0; d < m.dim; d++) s += m.data[i * m.dim + d]! ** 2;
      if (s === 0) continue;
      const inv = 1 / Math.sqrt(s);
      for (let d = 0; d < m.dim; d++) out[i * dim + off + d] = m.data[i * m.dim + d]! * inv;
    }
    off += m.dim;
  }
  return { vectors: out, dim };
}

/** Result of {@link welchTTest}. */
export interface WelchResult {
  /** Mean of a − mean of b. */
  meanDiff: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  pValue: number;
}

function meanVar(x: ArrayLike<number>): { m: number; v: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const m = s / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - m) ** 2;
  return { m, v: ss / (x.length - 1) };
}

/**
 * Welch's two-sample t-test (unequal variances, independent samples), two-sided; each sample
 * needs at least 2 values. Both variances 0: p 1 when the means are equal, else 0.
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): WelchResult {
  if (a.length < 2 || b.length < 2) {
    throw new InvalidArgumentError(
      `welchTTest needs at least 2 values per sample, got ${a.length} and ${b.length}`,
    );
  }
  const A = meanVar(a);
  const B = meanVar(b);
  const meanDiff = A.m - B.m;
  const sa = A.v / a.length;
  const sb = B.v / b.length;
  if (sa + sb === 0) {
    return meanDiff === 0
      ? { meanDiff, t: 0, df: a.length + b.length - 2, pValue: 1 }
      : {
          meanDiff,
          t: Math.sign(meanDiff) * Number.POSITIVE_INFINITY,
          df: a.length + b.length - 2,
          pValue: 0,
        };
  }
  const t = meanDiff / Math.sqrt(sa + sb);
  const df = (sa + sb) ** 2 / ((sa * sa) / (a.length - 1) + (sb * sb) / (b.length - 1));
  return { meanDiff, t, df, pValue: studentTTwoSidedP(t, df) };
}

/** Quantile (type 7, linear interpolation) of sorted values. */
function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Activity groups: each of `users` gets the label of its quantile bin of training interactions
 * (`counts(u)`), `bins` bins (default 3) cut at the 1/bins, 2/bins… quantiles of the users'
 * counts; a user whose count equals a cut goes to the lower bin, so tied users share a bin (bins
 * can be uneven, and empty bins do not appear). Labels read "q1 (3-12)": bin and count range.
 */
export function activityGroups(users: Int32Array, counts: (u: number) => number, bins = 3): string[] {
  if (!Number.isInteger(bins) || bins < 1)
    throw new InvalidArgumentError(`bins must be a positive integer, got ${bins}`);
  const c = Array.from(users, (u) => counts(u));
  const sorted = Float64Array.from(c).sort();
  const cuts: number[] = [];
  for (let b = 1; b < bins; b++) cuts.push(quantileSorted(sorted, b / bins));
  const binOf = (x: number): number => cuts.filter((cut) => x > cut).length;
  const lo = new Array<number>(bins).fill(Number.POSITIVE_INFINITY);
  const hi = new Array<number>(bins).fill(Number.NEGATIVE_INFINITY);
  for (const x of c) {
    const b = binOf(x);
    lo[b] = Math.min(lo[b]!, x);
    hi[b] = Math.max(hi[b]!, x);
  }
  return c.map((x) => {
    const b = binOf(x);
    return `q${b + 1} (${lo[b]}-${hi[b]})`;
  });
}

/** One group's accuracy in {@link groupAccuracy}. */
export interface GroupStat {
  group: string;
  n: number;
  mean: number;
}

/** Accuracy per user group, the gap between the best and the worst, and Welch's test between them. */
export interface GroupAccuracy {
  groups: GroupStat[];
  /** Best group's mean − worst group's mean (groups of at least 2 users); 0 with fewer than 2 groups. */
  gap: number;
  best?: string;
  worst?: string;
  /** Welch's t-test of best against worst (absent with fewer than 2 such groups). */
  test?: WelchResult;
}

/**
 * Groups per-user metric `values` by `labels` (aligned; an undefined label leaves the user out)
 * and compares the best and the worst group of at least 2 users. Groups are listed by label.
 */
export function groupAccuracy(
  values: ArrayLike<number>,
  labels: readonly (string | undefined)[],
): GroupAccuracy {
  if (values.length !== labels.length) {
    throw new InvalidArgumentError(`values and labels must align, got ${values.length} and ${labels.length}`);
  }
  const by = new Map<string, number[]>();
  for (let i = 0; i < values.length; i++) {
    const g = labels[i];
    if (g === undefined || Number.isNaN(values[i]!)) continue;
    const arr = by.get(g);
    if (arr) arr.push(values[i]!);
    else by.set(g, [values[i]!]);
  }
  const groups = [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, xs]) => ({ group, n: xs.length, mean: xs.reduce((s, x) => s + x, 0) / xs.length }));
  const eligible = groups.filter((g) => g.n >= 2);
  if (eligible.length < 2) return { groups, gap: 0 };
  let best = eligible[0]!;
  let worst = eligible[0]!;
  for (const g of eligible) {
    if (g.mean > best.mean) best = g;
    if (g.mean < worst.mean) worst = g;
  }
  if (best === worst) return { groups, gap: 0 };
  return {
    groups,
    gap: best.mean - worst.mean,
    best: best.group,
    worst: worst.group,
    test: welchTTest(by.get(best.group)!, by.get(worst.group)!),
  };
}

/** One item group in {@link providerExposure}. */
export interface ProviderGroupStat {
  group: string;
  /** Number of catalog items in the group. */
  items: number;
  /** Share of all recommendation slots. */
  exposure: number;
  /** Share of all relevant (user, item) pairs, e.g. test positives. */
  relevance: number;
  /** exposure / relevance (Infinity with exposure but no relevance; NaN with neither). */
  ratio: number;
}

/**
 * Item-side fairness: for each item group (`groupOf(item)`; undefined counts as "(none)"), its
 * share of the recommendation slots in `lists` against its share of the relevant pairs
 * (`relevant(u)`: the relevant items of the user whose list is u, e.g. the test row), and the
 * ratio. A ratio above 1 means the group is shown more than its relevance warrants. Sorted by
 * label.
 */
export function providerExposure(
  lists: RecLists,
  relevant: (u: number) => ArrayLike<number>,
  groupOf: (item: number) => string | undefined,
  nItems: number,
): ProviderGroupStat[] {
  const exp = new Map<string, number>();
  const rel = new Map<string, number>();
  const size = new Map<string, number>();
  const label = (i: number): string => groupOf(i) ?? '(none)';
  for (let i = 0; i < nItems; i++) size.set(label(i), (size.get(label(i)) ?? 0) + 1);
  let slots = 0;
  let pairs = 0;
  forEachList(lists, (list, user) => {
    for (const item of list) {
      if (item < 0) continue;
      checkItem(item, nItems, `lists: user ${user}`);
      exp.set(label(item), (exp.get(label(item)) ?? 0) + 1);
      slots++;
    }
    const r = relevant(user);
    for (let j = 0; j < r.length; j++) {
      rel.set(label(r[j]!), (rel.get(label(r[j]!)) ?? 0) + 1);
      pairs++;
    }
  });
  return [...size.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((group) => {
      const exposure = slots > 0 ? (exp.get(group) ?? 0) / slots : 0;
      const relevance = pairs > 0 ? (rel.get(group) ?? 0) / pairs : 0;
      return { group, items: size.get(group)!, exposure, relevance, ratio: exposure / relevance };
    });
}

/** What {@link listBiasFigures} needs besides the lists. */
export interface BiasInputs {
  nItems: number;
  /** Users of the training data (for novelty). */
  nUsers: number;
  /** Training interactions per item. */
  itemPopularity: Int32Array;
  /** Long-tail mask (default: {@link tailItems} of the popularity). */
  tail?: Uint8Array;
  /** History of the user whose list is u (for the popularity lift). */
  history: (u: number) => ArrayLike<number>;
  /** Item vectors for intra-list diversity (omitted: no `ild`). */
  vectors?: { vectors: Float32Array; dim: number };
}

/**
 * Every list-level bias figure at once: `arp` (average popularity), `poplift`, `gini`,
 * `top1share`, `longtail`, `coverage`, `novelty` and, with vectors, `ild`.
 */
export function listBiasFigures(lists: RecLists, b: BiasInputs): Record<string, number> {
  const out: Record<string, number> = {
    arp: averagePopularity(lists, b.itemPopularity),
    poplift: popularityLift(lists, b.history, b.itemPopularity),
    gini: exposureGini(lists, b.nItems),
    top1share: topItemsShare(lists, b.nItems, 0.01),
    longtail: longTailShare(lists, b.tail ?? tailItems(b.itemPopularity)),
    coverage: catalogCoverage(lists, b.nItems),
    novelty: novelty(lists, b.itemPopularity, b.nUsers),
  };
  if (b.vectors) out.ild = meanIntraListDiversity(lists, b.vectors.vectors, b.vectors.dim);
  return out;
}
