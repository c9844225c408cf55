/**
 * @module models/vbpr
 * VBPR (He & McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit Feedback", AAAI
 * 2016) generalised to any number of item modalities, trained as MMRec's VBPR: user vector
 * [γ_u ; θ_u] (2·dim, xavier-uniform), item vector [γ_i ; E f_i + b] (γ_i xavier-uniform, E a
 * dim x F linear layer initialised xavier-normal, b = 0), f_i the concatenated normalised features
 * of the chosen modalities (see ./features), score = dot product (no separate bias terms, as in
 * MMRec), BPR loss + reg · EmbLoss over uniform negatives, dense Adam on every table (as torch's in
 * MMRec); the step is in ./vbpr-core, its projection products in onnxruntime when available.
 * After every epoch all item vectors [γ_i ; E f_i + b] are recomputed and installed as the
 * scoring factors, so evaluation uses the 'dot' kernel. Items without training interactions
 * (cold items) are ranked from content: with coldItems 'content' (default) their γ_i, which only
 * ever received negative updates, is zeroed in the scoring factors (on Last.fm-2k's 10% cold-start
 * split, all items ranked: test recall@20 0.114 with 'content', 0.108 with 'learned', paired
 * t-test p 4e-4).
 *
 * Saved artifacts hold the scoring tables (userFactors, itemFactors), so a loaded model scores
 * without the features; the trained parts (itemId, projection, projectionBias) and the feature
 * normalisation (featureShift, featureScale; see ./features) are saved alongside for inspection
 * or to project new items' features, but are not needed (nor read) on load.
 */
import { InvalidArgumentError, NotFittedError } from '../../errors.js';
import { xavierNormal, xavierUniform } from '../../training/init.js';
import { type ParamsOf, validateParams } from '../../training/params.js';
import { interactedItems, TripleSampler } from '../../training/sampler.js';
import { runEpochs } from '../../training/trainer.js';
import { Rng } from '../../util/rng.js';
import { readArtifact, writeArtifact } from '../artifact.js';
import { FactorRecommender } from '../factor-base.js';
import type { FitOptions, FitReport, ItemVectorPart, TrainingData } from '../recommender.js';
import { buildItemFeatures, type ItemFeatures, selectModalities } from './features.js';
import { projectRows } from './projection.js';
import { VbprStepper, type VbprTables } from './vbpr-core.js';

/** VBPR's numeric and choice parameters, their defaults (MMRec's) and valid values. */
export const VBPR_PARAMS = {
  /** Width of each half of the item vector (ID and content); user vectors are 2·dim wide. */
  dim: { type: 'int', default: 64, min: 1 },
  lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true },
  /**
   * EmbLoss weight (MMRec tunes it over 2 … 1e-5). On Last.fm-2k, text + audio: test recall@20
   * 0.381 at 1e-4, 0.385 at 0.01, 0.395 at 0.1, 0.408 at 1.
   */
  reg: { type: 'number', default: 1e-4, min: 0 },
  batchSize: { type: 'int', default: 2048, min: 1 },
  /** Per-modality feature normalisation (see models/vbpr/features). */
  normalize: { type: 'choice', default: 'l2', choices: ['l2', 'standard', 'none'] },
  /** 'content': cold items score from E f_i only; 'learned': keep their (negative-only) γ_i. */
  coldItems: { type: 'choice', default: 'content', choices: ['content', 'learned'] },
  /**
   * Negatives from all items, or only from items with training interactions ('warm': MMRec's rule,
   * whose sampler draws from the item ids of the training file; the same thing on a split where
   * every item has training pairs, as on Last.fm-2k and Baby).
   */
  negativeItems: { type: 'choice', default: 'all', choices: ['all', 'warm'] },
  /**
   * Where the projection's two dense products run (onnx/fixed-products): 'onnx' (onnxruntime-node's
   * MLAS kernels), 'wasm' (our WebAssembly SIMD product), 'auto' (onnx when it loads). Last.fm-2k,
   * text + Whisper: see BENCHMARKS.md "VBPR speed".
   */
  backend: { type: 'choice', default: 'auto', choices: ['auto', 'onnx', 'wasm'] },
  /** onnxruntime's threads for those products. */
  threads: { type: 'int', default: 2, min: 1, max: 64 },
} as const;

export type VbprParams = ParamsOf<typeof VBPR_PARAMS> & {
  /** 'all' or a comma list of modality names (default 'all'). */
  modalities: string;
};

function resolveParams(raw: Record<string, unknown>): VbprParams {
  const { modalities = 'all', ...rest } = raw;
  for (const key of Object.keys(rest)) {
    if (!(key in VBPR_PARAMS)) {
      throw new InvalidArgumentError(
        `vbpr: unknown parameter "${key}". Valid parameters: ${[...Object.keys(VBPR_PARAMS), 'modalities'].join(', ')}`,
      );
    }
  }
  if (typeof modalities !== 'string' || modalities.trim() === '') {
    throw new InvalidArgumentError(
      `vbpr: parameter "modalities" must be "all" or a comma list of modality names, got ${JSON.stringify(modalities)}`,
    );
  }
  return { ...validateParams('vbpr', rest, VBPR_PARAMS), modalities };
}

interface ContentState {
  names: string[];
  dims: number[];
  shift: Float32Array;
  scale: Float32Array;
  projection: Float32Array;
  projectionBias: Float32Array;
}

/** Visual (here: multimodal) Bayesian Personalized Ranking. */
export class Vbpr extends FactorRecommender {
  readonly name = 'vbpr';
  declare readonly params: Readonly<VbprParams>;
  private trained: { tables: VbprTables; features: ItemFeatures } | undefined;
  /** What contentItemVector needs, from training or from a saved artifact. */
  private content: ContentState | undefined;
  /** Additive parts of every item's scoring vector (explanations), computed on first use. */
  private parts: { name: string; table: Float32Array }[] | undefined;

  constructor(params: Record<string, unknown> = {}) {
    super(resolveParams(params));
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const { nUsers, nItems } = train;
    const d = p.dim;
    const mods = selectModalities('vbpr', data.modalities, p.modalities);
    const features = buildItemFeatures(mods, nItems, p.normalize);
    const F = features.dim;
    const rng = new Rng(options.seed);
    const tables: VbprTables = {
      user: xavierUniform(nUsers, 2 * d, rng),
      itemId: xavierUniform(nItems, d, rng),
      projection: xavierNormal(d, F, rng),
      projectionBias: new Float32Array(d),
    };
    const warm = new Uint8Array(nItems);
    for (let k = 0; k < train.nnz; k++) warm[train.indices[k]!] = 1;
    const sampler = new TripleSampler(train, {
      seed: rng.nextU32() | 0,
      ...(p.negativeItems === 'warm' ? { negativePool: interactedItems(train) } : {}),
    });
    const stepper = await VbprStepper.create(tables, features.data, {
      dim: d,
      lr: p.lr,
      reg: p.reg,
      maxBatch: p.batchSize,
      products: { backend: p.backend, threads: p.threads },
    });
    const zeroCold = p.coldItems === 'content';
    const itemFactors = new Float32Array(nItems * 2 * d);
    const install = (content: Float32Array): void => {
      for (let i = 0; i < nItems; i++) {
        const o = i * 2 * d;
        if (warm[i] || !zeroCold) itemFactors.set(tables.itemId.subarray(i * d, (i + 1) * d), o);
        else itemFactors.fill(0, o, o + d);
        itemFactors.set(content.subarray(i * d, (i + 1) * d), o + d);
      }
    };
    install(await stepper.contentVectors());
    this.fingerprint = data.fingerprint;
    this.trained = { tables, features };
    this.content = {
      names: features.names,
      dims: features.dims,
      shift: features.shift,
      scale: features.scale,
      projection: tables.projection,
      projectionBias: tables.projectionBias,
    };
    this.setFactors({ dim: 2 * d, userFactors: tables.user, itemFactors });
    try {
      return await runEpochs(options, async () => {
        let loss = 0;
        let batches = 0;
        for (const batch of sampler.epoch(p.batchSize)) {
          loss += await stepper.step(batch);
          batches++;
        }
        stepper.writeBack();
        install(await stepper.contentVectors());
        this.parts = undefined;
        this.factorsUpdated();
        return batches > 0 ? loss / batches : Number.NaN;
      });
    } finally {
      await stepper.release();
    }
  }

  /** Writes the scoring tables plus the trained projection and feature normalisation. */
  override async save(dir: string): Promise<void> {
    const f = this.getFactors();
    const dims: Record<string, number> = { users: this.nUsers, items: this.nItems, dim: f.dim };
    const tables: Record<string, Float32Array> = { userFactors: f.userFactors, itemFactors: f.itemFactors };
    if (this.trained) {
      const { tables: t, features } = this.trained;
      dims.featureDim = features.dim;
      features.names.forEach((n, k) => {
        dims[`feature:${n}`] = features.dims[k]!;
      });
      Object.assign(tables, {
        itemId: t.itemId,
        projection: t.projection,
        projectionBias: t.projectionBias,
        featureShift: features.shift,
        featureScale: features.scale,
      });
    }
    for (const { name, table } of this.explanationParts() ?? []) tables[`part:${name}`] = table;
    await writeArtifact(
      dir,
      { model: this.name, params: { ...this.params }, dims, fingerprint: this.fingerprint },
      tables,
    );
  }

  /**
   * Loads a saved VBPR model, checking the dataset fingerprint when given: the scoring tables,
   * and, when saved, the projection with the feature normalisation (for contentItemVector) and
   * the explanation parts.
   */
  static async load(dir: string, fingerprint?: string): Promise<Vbpr> {
    const loaded = await FactorRecommender.loadFactors(dir, 'vbpr', fingerprint);
    const model = new Vbpr(loaded.manifest.params).restore(loaded);
    const { tables, manifest } = await readArtifact(dir, { model: 'vbpr' });
    const f32 = (name: string) =>
      tables[name] instanceof Float32Array ? (tables[name] as Float32Array) : undefined;
    const names = Object.keys(manifest.dims)
      .filter((k) => k.startsWith('feature:'))
      .map((k) => k.slice(8));
    const projection = f32('projection');
    const projectionBias = f32('projectionBias');
    const shift = f32('featureShift');
    const scale = f32('featureScale');
    if (names.length > 0 && projection && projectionBias && shift && scale) {
      model.content = {
        names,
        dims: names.map((n) => manifest.dims[`feature:${n}`]!),
        shift,
        scale,
        projection,
        projectionBias,
      };
    }
    const partNames = Object.keys(tables).filter((k) => k.startsWith('part:'));
    if (partNames.length > 0) model.parts = partNames.map((k) => ({ name: k.slice(5), table: f32(k)! }));
    return model;
  }

  /** Parts: "collaborative" [γ_i ; 0], one per modality [0 ; E_m f_i,m], "bias" [0 ; b]. */
  private explanationParts(): { name: string; table: Float32Array }[] | undefined {
    if (this.parts) return this.parts;
    if (!this.trained) return undefined;
    const { tables, features } = this.trained;
    const d = this.params.dim;
    const n = this.nItems;
    const F = features.dim;
    const f = this.getFactors();
    const collab = new Float32Array(n * 2 * d);
    const bias = new Float32Array(n * 2 * d);
    for (let i = 0; i < n; i++) {
      collab.set(f.itemFactors.subarray(i * 2 * d, i * 2 * d + d), i * 2 * d);
      bias.set(tables.projectionBias, i * 2 * d + d);
    }
    const parts = [{ name: 'collaborative', table: collab }];
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const zero = new Float32Array(d);
    let col = 0;
    features.names.forEach((name, m) => {
      const w = features.dims[m]!;
      const only = new Float32Array(features.data.length);
      for (let i = 0; i < n; i++) only.set(features.data.subarray(i * F + col, i * F + col + w), i * F + col);
      const table = new Float32Array(n * 2 * d);
      projectRows(tables.projection, zero, d, F, only, all, n, table, d, 2 * d);
      parts.push({ name, table });
      col += w;
    });
    parts.push({ name: 'bias', table: bias });
    this.parts = parts;
    return parts;
  }

  explainItem(item: number): ItemVectorPart[] {
    const parts = this.explanationParts();
    if (!parts)
      throw new NotFittedError('vbpr: explanations need a trained model or one saved with its parts');
    const w = 2 * this.params.dim;
    return parts.map(({ name, table }) => ({ name, vector: table.slice(item * w, (item + 1) * w) }));
  }

  contentItemVector(features: Readonly<Record<string, Float32Array | undefined>>): Float32Array {
    const c = this.content;
    if (!c)
      throw new NotFittedError(
        'vbpr: contentItemVector needs a trained model or one saved with its projection',
      );
    const d = this.params.dim;
    const F = c.dims.reduce((a, b) => a + b, 0);
    const x = new Float32Array(F);
    let col = 0;
    c.names.forEach((name, m) => {
      const w = c.dims[m]!;
      const raw = features[name];
      if (raw) {
        if (raw.length !== w) {
          throw new InvalidArgumentError(
            `vbpr: feature "${name}" has ${raw.length} values, the model expects ${w}`,
          );
        }
        let rowScale = 1;
        if (this.params.normalize === 'l2') {
          let s = 0;
          for (const v of raw) s += v * v;
          rowScale = s > 0 ? 1 / Math.sqrt(s) : 0;
        }
        for (let k = 0; k < w; k++) x[col + k] = (raw[k]! * rowScale - c.shift[col + k]!) * c.scale[col + k]!;
      }
      col += w;
    });
    const out = new Float32Array(2 * d);
    projectRows(c.projection, c.projectionBias, d, F, x, Int32Array.of(0), 1, out, d, 2 * d);
    return out;
  }
}
