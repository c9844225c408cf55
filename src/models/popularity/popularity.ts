/**
 * @module models/popularity
 * Most-popular baseline: scores every item by its number of training interactions. Ties go to
 * the lower item index (the ranking code breaks equal scores that way).
 */
import { InvalidArgumentError, MismatchError, NotFittedError } from '../../errors.js';
import { type Ranked, topKRanked } from '../../math/topk.js';
import { readArtifact, writeArtifact } from '../artifact.js';
import type {
  FitOptions,
  FitReport,
  Recommender,
  RecommendOptions,
  ScoringKernel,
  TrainingData,
} from '../recommender.js';
import { checkIndex, checkK } from '../scoring.js';

/** Popularity takes no parameters: any name given is rejected (a typo must not pass silently). */
export function validatePopularityParams(raw: Record<string, unknown>): Record<string, never> {
  const given = Object.keys(raw);
  if (given.length > 0) {
    throw new InvalidArgumentError(
      `popularity: unknown parameter "${given[0]}". Valid parameters: none (popularity takes no parameters)`,
    );
  }
  return {};
}

export class Popularity implements Recommender {
  readonly name = 'popularity';
  readonly params: Readonly<Record<string, unknown>>;
  private counts: Float32Array | undefined;
  private fingerprint = '';

  constructor(params: Record<string, unknown> = {}) {
    this.params = validatePopularityParams(params);
  }

  get fitted(): boolean {
    return this.counts !== undefined;
  }

  get nItems(): number {
    return this.counts?.length ?? 0;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    this.counts = Float32Array.from(data.train.itemCounts());
    this.fingerprint = data.fingerprint;
    const seconds = (performance.now() - t0) / 1000;
    await options.onEpochEnd?.({ epoch: 1, loss: Number.NaN, seconds });
    return { epochs: 1, trainSeconds: seconds, losses: [Number.NaN] };
  }

  private scores(): Float32Array {
    if (!this.counts) throw new NotFittedError(this.name);
    return this.counts;
  }

  /** Every user gets the same scores: user indices are not checked (any user, even a new one). */
  scoreBatch(users: Int32Array, out: Float32Array): void {
    const s = this.scores();
    if (out.length < users.length * s.length) {
      throw new InvalidArgumentError(
        `popularity: the output holds ${out.length} scores, ${users.length} users x ${s.length} items need ${users.length * s.length}`,
      );
    }
    for (let b = 0; b < users.length; b++) out.set(s, b * s.length);
  }

  scoringKernel(): ScoringKernel {
    const s = this.scores();
    return { kind: 'item-scores', nItems: s.length, itemScores: s };
  }

  recommend(_user: number, k: number, options: RecommendOptions = {}): Ranked {
    const s = this.scores();
    checkK(this.name, k);
    return topKRanked(s, k, options.exclude);
  }

  /** Popularity has no notion of similarity: it returns the most popular other items. */
  similarItems(item: number, k: number): Ranked {
    const s = this.scores();
    checkIndex(this.name, 'item', item, s.length);
    checkK(this.name, k);
    return topKRanked(s, k, (i) => i === item);
  }

  async save(dir: string): Promise<void> {
    const s = this.scores();
    await writeArtifact(
      dir,
      { model: this.name, params: {}, dims: { items: s.length }, fingerprint: this.fingerprint },
      { counts: s },
    );
  }

  static async load(dir: string, fingerprint?: string): Promise<Popularity> {
    const { manifest, tables } = await readArtifact(dir, {
      model: 'popularity',
      ...(fingerprint === undefined ? {} : { fingerprint }),
    });
    const counts = tables.counts;
    if (!(counts instanceof Float32Array) || counts.length !== manifest.dims.items) {
      throw new MismatchError(`${dir}: table "counts" does not match dims.items=${manifest.dims.items}`);
    }
    const m = new Popularity(manifest.params);
    m.counts = counts;
    m.fingerprint = manifest.fingerprint;
    return m;
  }
}
