/**
 * @module models/popularity
 * Most-popular baseline: scores every item by its number of training interactions. Ties go to
 * the lower item index (the ranking code breaks equal scores that way).
 */
import { MismatchError, NotFittedError } from '../../errors.js';
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

export class Popularity implements Recommender {
  readonly name = 'popularity';
  readonly params: Readonly<Record<string, unknown>> = {};
  private counts: Float32Array | undefined;
  private fingerprint = '';

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

  scoreBatch(users: Int32Array, out: Float32Array): void {
    const s = this.scores();
    for (let b = 0; b < users.length; b++) out.set(s, b * s.length);
  }

  scoringKernel(): ScoringKernel {
    const s = this.scores();
    return { kind: 'item-scores', nItems: s.length, itemScores: s };
  }

  recommend(_user: number, k: number, options: RecommendOptions = {}): Ranked {
    return topKRanked(this.scores(), k, options.exclude);
  }

  /** Popularity has no notion of similarity: it returns the most popular other items. */
  similarItems(item: number, k: number): Ranked {
    return topKRanked(this.scores(), k, (i) => i === item);
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
    const m = new Popularity();
    m.counts = counts;
    m.fingerprint = manifest.fingerprint;
    return m;
  }
}
