/**
 * @module eval/evaluator
 * All-item ranking evaluation (MMRec's protocol): for every user with target items, score every
 * item, mask the user's training items (and, optionally, validation items), take the top K, and
 * average the metrics over users, keeping per-user values. Runs on worker threads when the model
 * offers a ScoringKernel; otherwise on the main thread through scoreBatch().
 */
import type { Interactions } from '../data/interactions.js';
import { InvalidArgumentError } from '../errors.js';
import type { Recommender } from '../models/recommender.js';
import { kernelScorer } from '../models/scoring.js';
import type { Split } from '../splits/split.js';
import { progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { defaultWorkers, siblingModule, startWorker, toShared } from '../util/workers.js';
import { metricKey, type RankingMetricName } from './metrics/ranking.js';
import { evaluateRange, evaluateSampledRange, kernelPairScorer, type RankingTask } from './ranking-core.js';

export interface RankingEvalOptions {
  /** Cut-offs, default [10, 20]. */
  ks?: number[];
  /** Metrics, default recall, precision, f1, ndcg, map, hit, mrr. */
  metrics?: RankingMetricName[];
  /** Also compute per-user AUC over all unmasked items (costs |target| x items per user). */
  auc?: boolean;
  /** Worker threads (default: the machine's cores). 1 = main thread only. */
  workers?: number;
  /** Users scored per batch. */
  batch?: number;
  /** Items no user may be recommended (masked like training items), e.g. all but the cold items. */
  excludeItems?: Int32Array;
  /** Below this many user x item scores, stay on the main thread: starting threads costs more than the SIMD kernel needs for lfm2k-sized data. */
  minParallelWork?: number;
  /**
   * Sampled protocols for quick looks at scale (the result's `protocol` says which ran):
   * `users`: evaluate a seeded random subset of that many users (an unbiased estimate of the
   * full means, metric keys unchanged); `negatives`: rank each user's targets among that many
   * sampled non-interacted items instead of all items (much higher numbers than the full
   * protocol: metric keys get the prefix "sampled<n>:", e.g. "sampled100:recall@20").
   */
  sample?: { users?: number; negatives?: number; seed?: number };
}

export interface RankingEvalResult {
  /** Evaluated users (those with at least one target item), ascending. */
  users: Int32Array;
  /** Mean over users, keyed "recall@20", "auc", "coverage@20", "novelty@20"… */
  metrics: Record<string, number>;
  /** Per-user values aligned with `users`, keyed like `metrics` (list metrics only). */
  perUser: Record<string, Float64Array>;
  /** users.length x kMax top lists (-1 padding). */
  topLists: Int32Array;
  kMax: number;
  seconds: number;
  /**
   * "full" (every evaluated user, every item ranked), or the sampled protocol that produced the
   * numbers, e.g. "sampled: 10000 of 610000 users (seed 1)" or "sampled: 100 negatives per user (seed 1)".
   */
  protocol: string;
}

const DEFAULT_METRICS: RankingMetricName[] = ['recall', 'precision', 'f1', 'ndcg', 'map', 'hit', 'mrr'];

/** Evaluates `model` against `target`, masking the items of every matrix in `masks`. */
export async function evaluateRanking(
  model: Recommender,
  target: Interactions,
  masks: Interactions[],
  options: RankingEvalOptions = {},
): Promise<RankingEvalResult> {
  const t0 = performance.now();
  const ks = options.ks ?? [10, 20];
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new InvalidArgumentError(`ks must be positive integers, got [${ks.join(', ')}]`);
  }
  const names = options.metrics ?? DEFAULT_METRICS;
  const auc = options.auc ?? false;
  const kMax = Math.max(...ks);
  const active = target.activeUsers();
  const sample = options.sample ?? {};
  const seed = sample.seed ?? 1;
  const users =
    sample.users !== undefined && sample.users < active.length
      ? sampleUsers(active, sample.users, seed)
      : active;
  const negatives = sample.negatives;
  if (negatives !== undefined && !(Number.isInteger(negatives) && negatives >= 1)) {
    throw new InvalidArgumentError(`sample.negatives must be a positive integer, got ${negatives}`);
  }
  const protocols: string[] = [];
  if (users !== active) protocols.push(`${users.length} of ${active.length} users`);
  if (negatives !== undefined) protocols.push(`${negatives} negatives per user`);
  const protocol = protocols.length ? `sampled: ${protocols.join(', ')} (seed ${seed})` : 'full';
  const nItems = target.nItems;
  if (model.nItems !== nItems) {
    throw new InvalidArgumentError(
      `model scores ${model.nItems} items but the evaluation data has ${nItems}`,
    );
  }
  const columns = names.length * ks.length + (auc ? 1 : 0);
  const kernel = model.scoringKernel?.();
  const workers = Math.min(options.workers ?? defaultWorkers(), Math.ceil(users.length / 64));
  const parallel =
    negatives === undefined &&
    kernel !== undefined &&
    workers > 1 &&
    users.length * nItems > (options.minParallelWork ?? 20_000_000);
  const batch = options.batch ?? 128;
  const share = <T extends Int32Array | Float32Array | Float64Array>(a: T): T => (parallel ? toShared(a) : a);
  const task: RankingTask = {
    nItems,
    users: share(users),
    masks: masks.map((m) => ({ indptr: share(m.indptr), indices: share(m.indices) })),
    ...(options.excludeItems ? { excluded: share(options.excludeItems) } : {}),
    target: { indptr: share(target.indptr), indices: share(target.indices) },
    ks,
    names: [...names],
    auc,
    columns,
    perUser: share(new Float64Array(users.length * columns)),
    topLists: share(new Int32Array(users.length * kMax)),
    ...(parallel ? { progress: toShared(new Int32Array(1)) } : {}),
  };
  if (parallel && kernel) {
    const url = siblingModule(import.meta.url, './rank-worker');
    const sharedKernel =
      kernel.kind === 'item-scores'
        ? { ...kernel, itemScores: toShared(kernel.itemScores) }
        : {
            ...kernel,
            userFactors: toShared(kernel.userFactors),
            itemFactors: toShared(kernel.itemFactors),
            ...(kernel.itemBias ? { itemBias: toShared(kernel.itemBias) } : {}),
          };
    const per = Math.ceil(users.length / workers);
    // a bar with an ETA on a terminal (the workers count users done in a shared counter)
    const bar = progress('evaluate', users.length);
    const timer = setInterval(() => bar.update(Atomics.load(task.progress!, 0)), 500);
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const from = w * per;
        const to = Math.min(users.length, from + per);
        return new Promise<void>((resolve, reject) => {
          const worker = startWorker(url, { kernel: sharedKernel, task, from, to, batch });
          worker.once('message', (msg: { ok: boolean; error?: string }) => {
            void worker.terminate();
            if (msg.ok) resolve();
            else reject(new Error(`ranking worker failed: ${msg.error}`));
          });
          worker.once('error', reject);
        });
      }),
    ).finally(() => {
      clearInterval(timer);
      bar.stop();
    });
  } else if (negatives !== undefined) {
    const pair = kernel
      ? kernelPairScorer(kernel)
      : (() => {
          const row = new Float32Array(nItems);
          return (u: number, items: Int32Array, out: Float32Array) => {
            model.scoreBatch(Int32Array.of(u), row);
            for (let c = 0; c < items.length; c++) out[c] = row[items[c]!]!;
          };
        })();
    evaluateSampledRange(task, pair, 0, users.length, negatives, seed);
  } else {
    const score = kernel
      ? kernelScorer(kernel)
      : (u: Int32Array, out: Float32Array) => model.scoreBatch(u, out);
    evaluateRange(task, score, 0, users.length, batch);
  }
  const result = summarise(task, users, names, ks, auc, kMax, protocol);
  if (negatives !== undefined) {
    const prefix = `sampled${negatives}:`;
    result.metrics = Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [prefix + k, v]));
    result.perUser = Object.fromEntries(Object.entries(result.perUser).map(([k, v]) => [prefix + k, v]));
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** A seeded sample of `n` of `users` (ascending). */
function sampleUsers(users: Int32Array, n: number, seed: number): Int32Array {
  const copy = Int32Array.from(users);
  new Rng(seed).shuffle(copy);
  return copy.subarray(0, n).sort();
}

function summarise(
  task: RankingTask,
  users: Int32Array,
  names: RankingMetricName[],
  ks: number[],
  auc: boolean,
  kMax: number,
  protocol: string,
): RankingEvalResult {
  const perUser: Record<string, Float64Array> = {};
  const metrics: Record<string, number> = {};
  const keys: string[] = [];
  for (const name of names) for (const k of ks) keys.push(metricKey(name, k));
  if (auc) keys.push('auc');
  const n = users.length;
  keys.forEach((key, c) => {
    const col = new Float64Array(n);
    let sum = 0;
    let count = 0;
    for (let u = 0; u < n; u++) {
      const v = task.perUser[u * task.columns + c]!;
      col[u] = v;
      // AUC is undefined (NaN) for a user whose every target item is masked: leave them out.
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    perUser[key] = col;
    metrics[key] = count > 0 ? sum / count : 0;
  });
  return { users, metrics, perUser, topLists: task.topLists, kMax, seconds: 0, protocol };
}

/**
 * Evaluates one part of a split the MMRec way: train items masked; valid items masked on test
 * only when asked. With `coldCandidates` on a cold-start split, only the held-out cold items are
 * ranked (the usual cold-start protocol); otherwise every item is a candidate.
 */
export async function evaluateSplit(
  model: Recommender,
  split: Split,
  part: 'valid' | 'test',
  options: RankingEvalOptions & { maskValid?: boolean; coldCandidates?: boolean } = {},
): Promise<RankingEvalResult> {
  const masks = [split.train];
  if (part === 'test' && options.maskValid) masks.push(split.valid);
  let excludeItems = options.excludeItems;
  if (options.coldCandidates) {
    if (!split.coldItems) {
      throw new InvalidArgumentError('cold candidates need a cold-start split (e.g. --split cold-start:0.1)');
    }
    const cold = new Uint8Array(split.train.nItems);
    for (const i of split.coldItems) cold[i] = 1;
    const warm: number[] = [];
    cold.forEach((c, i) => {
      if (!c) warm.push(i);
    });
    excludeItems = Int32Array.from(warm);
  }
  return evaluateRanking(model, split[part], masks, {
    ...options,
    ...(excludeItems ? { excludeItems } : {}),
  });
}
