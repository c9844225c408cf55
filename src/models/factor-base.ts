/**
 * @module models/factor-base
 * The common base of latent-factor models (matrix factorisation: Koren, Bell & Volinsky,
 * "Matrix Factorization Techniques for Recommender Systems", IEEE Computer 2009; BPR-MF;
 * LightGCN's final embeddings): score(u, i) = μ + b_u + b_i + <U[u], V[i]>, where the biases
 * are optional. Provides scoring (main thread and worker kernel), recommend, cosine similar
 * items, and saving/loading the factor tables as a versioned artifact.
 */
import { MismatchError, NotFittedError } from '../errors.js';
import { type Ranked, topKRanked } from '../math/topk.js';
import { type ArtifactManifest, readArtifact, writeArtifact } from './artifact.js';
import type {
  FitOptions,
  FitReport,
  Recommender,
  RecommendOptions,
  ScoringKernel,
  TrainingData,
} from './recommender.js';
import { type BatchScorer, checkBatch, checkIndex, checkK, kernelScorer } from './scoring.js';

/** The tables of a factor model. */
export interface Factors {
  dim: number;
  /** nUsers x dim, row-major. */
  userFactors: Float32Array;
  /** nItems x dim, row-major. */
  itemFactors: Float32Array;
  itemBias?: Float32Array;
  userBias?: Float32Array;
  globalBias?: number;
}

/** What {@link FactorRecommender.loadFactors} returns. */
export interface LoadedFactors extends Factors {
  manifest: ArtifactManifest;
  fingerprint: string;
}

/** Base class of models scored by dot products of user and item factors. Subclasses implement fit(). */
export abstract class FactorRecommender implements Recommender {
  abstract readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Fingerprint of the training data (written into saved manifests). */
  protected fingerprint = '';
  private factors: Factors | undefined;
  private itemNorms: Float32Array | undefined;
  /** Main-thread scorer built from the kernel (it may copy the item table), dropped on updates. */
  private scorer: BatchScorer | undefined;

  constructor(params: Readonly<Record<string, unknown>>) {
    this.params = params;
  }

  abstract fit(data: TrainingData, options: FitOptions): Promise<FitReport>;

  get fitted(): boolean {
    return this.factors !== undefined;
  }

  get nItems(): number {
    return this.factors ? this.factors.itemFactors.length / this.factors.dim : 0;
  }

  get nUsers(): number {
    return this.factors ? this.factors.userFactors.length / this.factors.dim : 0;
  }

  /**
   * Installs the tables scoring uses (no copy). A subclass that keeps training them in place
   * must call {@link factorsUpdated} after each epoch; one that recomputes them (e.g. LightGCN's
   * propagated embeddings) calls setFactors again.
   */
  protected setFactors(f: Factors): void {
    const nU = f.userFactors.length / f.dim;
    const nI = f.itemFactors.length / f.dim;
    if (!Number.isInteger(nU) || !Number.isInteger(nI)) {
      throw new MismatchError(`${this.name}: factor tables are not multiples of dim=${f.dim}`);
    }
    if ((f.itemBias && f.itemBias.length !== nI) || (f.userBias && f.userBias.length !== nU)) {
      throw new MismatchError(`${this.name}: bias lengths do not match ${nU} users x ${nI} items`);
    }
    // Artifacts store μ as float32: keep it so in memory too, so that a reload scores identically.
    this.factors = f.globalBias === undefined ? f : { ...f, globalBias: Math.fround(f.globalBias) };
    this.factorsUpdated();
  }

  /** Tells the model that its tables changed in place (drops cached scorers and norms). */
  protected factorsUpdated(): void {
    this.itemNorms = undefined;
    this.scorer = undefined;
  }

  /** The installed tables (throws NotFittedError before fit/load). */
  protected getFactors(): Factors {
    if (!this.factors) throw new NotFittedError(this.name);
    return this.factors;
  }

  /** score = <U[u], V[i]> + itemBias[i] + userBias[u] + globalBias, for every item, per user. */
  scoreBatch(users: Int32Array, out: Float32Array): void {
    const f = this.getFactors();
    checkBatch(this.name, users, out, this.nUsers, this.nItems);
    this.scorer ??= kernelScorer(this.scoringKernel());
    this.scorer(users, out);
    if (f.userBias || f.globalBias) {
      const n = this.nItems;
      for (let b = 0; b < users.length; b++) {
        const c = (f.userBias ? f.userBias[users[b]!]! : 0) + (f.globalBias ?? 0);
        for (let i = b * n, end = i + n; i < end; i++) out[i]! += c;
      }
    }
  }

  /**
   * The worker kernel. User bias and global bias are left out: they add a constant per user and
   * do not change a ranking.
   */
  scoringKernel(): ScoringKernel {
    const f = this.getFactors();
    return {
      kind: 'dot',
      nUsers: this.nUsers,
      nItems: this.nItems,
      dim: f.dim,
      userFactors: f.userFactors,
      itemFactors: f.itemFactors,
      ...(f.itemBias ? { itemBias: f.itemBias } : {}),
    };
  }

  recommend(user: number, k: number, options: RecommendOptions = {}): Ranked {
    this.getFactors();
    checkIndex(this.name, 'user', user, this.nUsers);
    checkK(this.name, k);
    const scores = new Float32Array(this.nItems);
    this.scoreBatch(Int32Array.of(user), scores);
    return topKRanked(scores, k, options.exclude);
  }

  /** Top-k items by cosine similarity of item factors (the item itself excluded). */
  similarItems(item: number, k: number): Ranked {
    const f = this.getFactors();
    checkIndex(this.name, 'item', item, this.nItems);
    checkK(this.name, k);
    const d = f.dim;
    const V = f.itemFactors;
    const n = this.nItems;
    if (!this.itemNorms) {
      const norms = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = i * d; j < (i + 1) * d; j++) s += V[j]! * V[j]!;
        norms[i] = Math.sqrt(s);
      }
      this.itemNorms = norms;
    }
    const norms = this.itemNorms;
    const q = item * d;
    const qn = norms[item] ?? 0;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += V[q + j]! * V[i * d + j]!;
      const den = qn * norms[i]!;
      scores[i] = den > 0 ? s / den : 0;
    }
    return topKRanked(scores, k, (i) => i === item);
  }

  /** Writes the factor tables (plus the manifest) into `dir`. */
  async save(dir: string): Promise<void> {
    const f = this.getFactors();
    const tables: Record<string, Float32Array> = {
      userFactors: f.userFactors,
      itemFactors: f.itemFactors,
    };
    if (f.itemBias) tables.itemBias = f.itemBias;
    if (f.userBias) tables.userBias = f.userBias;
    if (f.globalBias !== undefined) tables.globalBias = Float32Array.of(f.globalBias);
    await writeArtifact(
      dir,
      {
        model: this.name,
        params: { ...this.params },
        dims: { users: this.nUsers, items: this.nItems, dim: f.dim },
        fingerprint: this.fingerprint,
      },
      tables,
    );
  }

  /** Restores loaded tables into this model (for subclasses' static load()). */
  protected restore(loaded: LoadedFactors): this {
    this.setFactors(loaded);
    this.fingerprint = loaded.fingerprint;
    return this;
  }

  /**
   * Reads a saved factor model, checking the model name, the fingerprint (when given) and the
   * table shapes against the manifest's dims.
   */
  static async loadFactors(dir: string, expectedModel: string, fingerprint?: string): Promise<LoadedFactors> {
    const { manifest, tables } = await readArtifact(dir, {
      model: expectedModel,
      ...(fingerprint === undefined ? {} : { fingerprint }),
    });
    const { users, items, dim } = manifest.dims;
    const table = (name: string, length: number, required: boolean): Float32Array | undefined => {
      const t = tables[name];
      if (t === undefined && !required) return undefined;
      if (!(t instanceof Float32Array) || t.length !== length) {
        throw new MismatchError(
          `${dir}: table "${name}" does not have the ${length} float32 values dims imply`,
        );
      }
      return t;
    };
    if (!Number.isInteger(users) || !Number.isInteger(items) || !Number.isInteger(dim) || !(dim! > 0)) {
      throw new MismatchError(`${dir}: manifest dims must hold integer users, items and dim`);
    }
    const out: LoadedFactors = {
      manifest,
      fingerprint: manifest.fingerprint,
      dim: dim!,
      userFactors: table('userFactors', users! * dim!, true)!,
      itemFactors: table('itemFactors', items! * dim!, true)!,
    };
    const ib = table('itemBias', items!, false);
    const ub = table('userBias', users!, false);
    const gb = table('globalBias', 1, false);
    if (ib) out.itemBias = ib;
    if (ub) out.userBias = ub;
    if (gb) out.globalBias = gb[0]!;
    return out;
  }
}
