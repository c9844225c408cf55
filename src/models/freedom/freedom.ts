/**
 * @module models/freedom
 * FREEDOM (Zhou & Shen, "A Tale of Two Graphs: Freezing and Denoising Graph Structures for
 * Multimodal Recommendation", ACM MM 2023), trained as MMRec's FREEDOM over any number of item
 * modalities:
 * - a frozen item-item graph S = Σ_m w_m S_m from each modality's cosine top-k neighbours
 *   (./item-graph; weights 'auto' = MMRec's mm_image_weight 0.1 with text at 0.9);
 * - before every epoch, degree-sensitive pruning of the user-item graph: a (1 − dropout) share of
 *   the edges is drawn with probability ∝ 1/√(d_u d_i) and renormalised (./pruning);
 * - ID embeddings E0 = [U; V0] (xavier-uniform), LightGCN propagation over the pruned graph
 *   (uiLayers, mean of the layers) and h = S^mmLayers V0; an item's vector is F_i + h_i;
 * - loss = BPR(F_u, F_i + h_i, F_j + h_j) + reg · Σ_m BPR(F_u, X_m W_m^T [i], X_m W_m^T [j]) with the
 *   feature tables X_m trainable (./modal), one dense Adam step per batch (./freedom-core);
 * - scoring: F over the full (unpruned) graph, score = <F_u, F_i + h_i>, recomputed after every
 *   epoch and installed as the 'dot' kernel of FactorRecommender.
 *
 * Items without training interactions are scored from content through S. By default (coldItems
 * 'neighbours') a cold item's row is the S-weighted mean of its warm neighbours' full scoring rows,
 * so it competes with warm items on their scale; 'learned' keeps MMRec's row F_i + h_i (its own ID
 * embedding only ever trained as a negative and through neighbours), 'content' uses h_i without
 * its own embedding. On Last.fm-2k's 10 % cold-start item split (seed 42) test recall@20 was 0.150
 * with 'neighbours', 0.033 with 'learned', 0.0004 with 'content' and 0 for LightGCN; the warm
 * split has no cold items, so the choice does not change MMRec parity. explainItem splits an item's scoring row into the collaborative part F_i and one
 * part per modality, w_m (S_m S^{L-1} V0)_i; contentItemVector scores a new item from its raw
 * features through the same neighbour average.
 *
 * Defaults are MMRec's (FREEDOM.yaml / overall.yaml: dim 64, knn_k 10, n_mm_layers 1,
 * n_ui_layers 2, lr 0.001, batch 2048), with the two grid-searched values (dropout ∈ {0.8, 0.9},
 * reg_weight ∈ {0, 1e-5, 1e-4, 1e-3}) chosen on Last.fm-2k's validation split.
 */
import { InvalidArgumentError, MismatchError, NotFittedError } from '../../errors.js';
import { type Csr, normalizedAdjacency, spmm } from '../../math/spmm.js';
import { topK } from '../../math/topk.js';
import { xavierUniform } from '../../training/init.js';
import { TripleSampler } from '../../training/sampler.js';
import { runEpochs } from '../../training/trainer.js';
import { Rng } from '../../util/rng.js';
import { readArtifact, writeArtifact } from '../artifact.js';
import { FactorRecommender } from '../factor-base.js';
import type { FitOptions, FitReport, ItemVectorPart, TrainingData } from '../recommender.js';
import { buildItemFeatures, type FeatureNormalization, selectModalities } from '../vbpr/features.js';
import { FreedomCore } from './freedom-core.js';
import { combineKnn, knnTable, unitRows, usableRows } from './item-graph.js';
import { type FreedomParams, modalityWeights, resolveFreedomParams } from './params.js';
import { edgeWeights, keptAdjacency, keptEdges, sampleEdges } from './pruning.js';

/** What content scoring and explanations need, kept after fit and saved. */
interface ContentState {
  names: string[];
  dims: number[];
  /** Graph weight of each modality (sum 1). */
  weights: Float32Array;
  /** Normalised features (nItems x dims[k]) and their transform (see vbpr/features). */
  features: Float32Array[];
  shift: Float32Array[];
  scale: Float32Array[];
  /**
   * What a new item's neighbours contribute (nItems x dim): S^{L-1} V̂0, or with coldItems
   * 'neighbours' the warm items' scoring rows (cold rows zero), averaged over the warm neighbours
   * only (renormalise).
   */
  base: Float32Array;
  renormalise: boolean;
  /** Modality k's share of every item's scoring row (nItems x dim). */
  parts: Float32Array[];
}

export class Freedom extends FactorRecommender {
  readonly name = 'freedom';
  declare readonly params: Readonly<FreedomParams>;
  private content: ContentState | undefined;

  constructor(params: Record<string, unknown> = {}) {
    super(resolveFreedomParams(params));
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const { nUsers, nItems } = train;
    const d = p.dim;
    const mods = selectModalities('freedom', data.modalities, p.modalities);
    const names = mods.map((m) => m.name);
    const weights = modalityWeights(p.weights, names);
    const feats = mods.map((m) => buildItemFeatures([m], nItems, p.normalize as FeatureNormalization));
    const presence = mods.map((m) => m.present);
    const knn = feats.map((f, k) =>
      knnTable({ dim: f.dim, data: f.data, present: presence[k]! }, nItems, p.knnK),
    );
    const { graph: itemGraph, parts: partGraphs } = combineKnn(knn, presence, weights, nItems, p.knnK);

    const rng = new Rng(options.seed);
    const users0 = xavierUniform(nUsers, d, rng);
    const items0 = xavierUniform(nItems, d, rng);
    const useModal = p.reg > 0;
    // torch.nn.Linear's default init: U(−1/√fan_in, 1/√fan_in); stored as W^T (featureDim x dim).
    const projections = useModal
      ? feats.map((f) => {
          const a = 1 / Math.sqrt(f.dim);
          return Float32Array.from({ length: f.dim * d }, () => (2 * rng.next() - 1) * a);
        })
      : [];
    const sampler = new TripleSampler(train, { seed: rng.nextU32() | 0 });
    const pruneRng = rng.fork();
    const full = normalizedAdjacency(train);
    const edgeW = edgeWeights(train);
    const keep = keptEdges(train.nnz, p.dropout);

    const core = await FreedomCore.create({
      nUsers,
      nItems,
      dim: d,
      uiLayers: p.uiLayers,
      itemGraph,
      mmLayers: p.mmLayers,
      modalDims: useModal ? feats.map((f) => f.dim) : [],
      reg: p.reg,
      lr: p.lr,
      batchSize: p.batchSize,
      maxNnz: full.indices.length,
      threads: p.threads,
    });
    try {
      core.setEmbeddings(users0, items0);
      for (let k = 0; k < projections.length; k++) core.setModal(k, feats[k]!.data, projections[k]!);
      this.fingerprint = data.fingerprint;
      const warm = new Uint8Array(nItems);
      for (let k = 0; k < train.nnz; k++) warm[train.indices[k]!] = 1;
      const refresh = (): void => {
        core.setGraph(full);
        const fin = core.finals();
        const content: ContentState = {
          names,
          dims: feats.map((f) => f.dim),
          weights: Float32Array.from(weights),
          features: feats.map((f) => f.data),
          shift: feats.map((f) => f.shift),
          scale: feats.map((f) => f.scale),
          base: new Float32Array(0),
          renormalise: false,
          parts: [],
        };
        const itemFactors = this.scoringRows(fin.items, fin.v0, warm, itemGraph, partGraphs, content);
        this.content = content;
        this.setFactors({ dim: d, userFactors: fin.users, itemFactors });
      };
      return await runEpochs(options, () => {
        // MMRec's pre_epoch_processing: a fresh pruned graph for every epoch.
        core.setGraph(p.dropout > 0 ? keptAdjacency(train, sampleEdges(edgeW, keep, pruneRng)) : full);
        let loss = 0;
        let batches = 0;
        for (const batch of sampler.epoch(p.batchSize)) {
          loss += core.trainStep(batch);
          batches++;
        }
        refresh();
        return batches > 0 ? loss / batches : Number.NaN;
      });
    } finally {
      await core.close();
    }
  }

  /**
   * Item scoring rows F̂_i + Σ_m w_m (S_m S^{L-1} V̂0)_i. With coldItems 'content' or 'neighbours'
   * the rows of items without training interactions are zeroed in F̂ and V̂0; with 'neighbours' a
   * cold item's row is then the S-weighted mean of its warm neighbours' rows. Fills content.base
   * (what a new item's neighbours contribute), .renormalise and .parts.
   */
  private scoringRows(
    finals: Float32Array,
    v0: Float32Array,
    warm: Uint8Array,
    graph: Csr,
    partGraphs: Csr[],
    content: ContentState,
  ): Float32Array {
    const d = this.params.dim;
    const L = this.params.mmLayers;
    const mode = this.params.coldItems;
    const nItems = warm.length;
    const out = finals.slice();
    const vhat = v0.slice();
    if (mode !== 'learned') {
      for (let i = 0; i < nItems; i++) {
        if (warm[i]) continue;
        out.fill(0, i * d, (i + 1) * d);
        vhat.fill(0, i * d, (i + 1) * d);
      }
    }
    let base: Float32Array = vhat;
    for (let s = 1; s < L; s++) base = spmm(graph, base, d);
    content.parts = partGraphs.map((g) => (L === 0 ? new Float32Array(nItems * d) : spmm(g, base, d)));
    if (L === 0) for (let k = 0; k < out.length; k++) out[k]! += vhat[k]!;
    for (const part of content.parts) for (let k = 0; k < out.length; k++) out[k]! += part[k]!;
    content.base = base;
    content.renormalise = false;
    if (mode !== 'neighbours' || L === 0) return out;
    // Cold rows: the mean of the warm neighbours' full rows, split by modality graph.
    const warmRows = out.slice();
    content.base = warmRows;
    content.renormalise = true;
    const newParts = content.parts.map((p) => p.slice());
    for (let i = 0; i < nItems; i++) {
      if (warm[i]) continue;
      let denom = 0;
      for (let k = graph.indptr[i]!; k < graph.indptr[i + 1]!; k++)
        if (warm[graph.indices[k]!]) denom += graph.values[k]!;
      out.fill(0, i * d, (i + 1) * d);
      for (const part of newParts) part.fill(0, i * d, (i + 1) * d);
      if (!(denom > 0)) continue;
      for (let k = graph.indptr[i]!; k < graph.indptr[i + 1]!; k++) {
        const j = graph.indices[k]!;
        if (!warm[j]) continue;
        partGraphs.forEach((g, m) => {
          const w = g.values[k]! / denom;
          const part = newParts[m]!;
          for (let c = 0; c < d; c++) {
            part[i * d + c]! += w * warmRows[j * d + c]!;
            out[i * d + c]! += w * warmRows[j * d + c]!;
          }
        });
      }
    }
    content.parts = newParts;
    return out;
  }

  private state(): ContentState {
    if (!this.content) throw new NotFittedError(this.name);
    return this.content;
  }

  /** The item's scoring row as 'collaborative' (F̂_i) plus one part per modality. */
  explainItem(item: number): ItemVectorPart[] {
    const c = this.state();
    const f = this.getFactors();
    const d = f.dim;
    if (!Number.isInteger(item) || item < 0 || item >= this.nItems) {
      throw new InvalidArgumentError(`freedom: item ${item} is out of range 0..${this.nItems - 1}`);
    }
    const collaborative = f.itemFactors.slice(item * d, (item + 1) * d);
    const parts = c.parts.map((t, k) => {
      const vector = t.slice(item * d, (item + 1) * d);
      for (let j = 0; j < d; j++) collaborative[j]! -= vector[j]!;
      return { name: c.names[k]!, vector };
    });
    return [{ name: 'collaborative', vector: collaborative }, ...parts];
  }

  /**
   * The scoring row of a new item from its raw features: in each given modality its top-k
   * catalog neighbours by cosine (features normalised as in training), averaged over the item-item
   * weights of the modalities given, applied to S^{L-1} V̂0 (no collaborative part); with coldItems
   * 'neighbours', the weighted mean of the warm neighbours' scoring rows.
   */
  contentItemVector(features: Readonly<Record<string, Float32Array | undefined>>): Float32Array {
    const c = this.state();
    const d = this.params.dim;
    const k = this.params.knnK;
    if (this.params.mmLayers === 0) {
      throw new InvalidArgumentError('freedom: with mmLayers 0 there is no content path to score a new item');
    }
    const nItems = this.nItems;
    const out = new Float32Array(d);
    let wsum = 0;
    const contributions: { w: number; items: Int32Array; n: number; deg: number }[] = [];
    c.names.forEach((name, m) => {
      const raw = features[name];
      if (raw === undefined) return;
      const dim = c.dims[m]!;
      if (raw.length !== dim) {
        throw new MismatchError(
          `freedom: modality "${name}" has ${dim} dims, the new item's row ${raw.length}`,
        );
      }
      const q = this.normaliseRow(raw, m);
      const unit = unitRows({ dim, data: q, present: Uint8Array.of(1) }, 1);
      if (!unit.some((x) => x !== 0)) return;
      const catalog = { dim, data: c.features[m]!, present: new Uint8Array(nItems).fill(1) };
      const usable = usableRows(catalog, nItems);
      const units = unitRows(catalog, nItems);
      const sims = new Float32Array(nItems);
      for (let i = 0; i < nItems; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += unit[j]! * units[i * dim + j]!;
        sims[i] = s;
      }
      const items = new Int32Array(k);
      const n = topK(sims, k, items, undefined, { skip: (i) => !usable[i] });
      let nUsable = 0;
      for (let i = 0; i < nItems; i++) nUsable += usable[i]!;
      if (n === 0) return;
      contributions.push({ w: c.weights[m]!, items, n, deg: Math.min(k, nUsable) });
      wsum += c.weights[m]!;
    });
    if (wsum === 0) {
      throw new InvalidArgumentError(
        `freedom: the new item has none of the modalities ${c.names.join(', ')} (or only zero rows)`,
      );
    }
    let denom = 0;
    for (const { w, items, n, deg } of contributions) {
      // D^-1/2 A D^-1/2 with the new item's n neighbours and each neighbour's own degree.
      const scale = w / wsum / Math.sqrt(n * deg);
      for (let t = 0; t < n; t++) {
        const o = items[t]! * d;
        // With renormalise, cold neighbours (zero rows) do not count.
        if (c.renormalise && !c.base.subarray(o, o + d).some((x) => x !== 0)) continue;
        denom += scale;
        for (let j = 0; j < d; j++) out[j]! += scale * c.base[o + j]!;
      }
    }
    if (c.renormalise && denom > 0) for (let j = 0; j < d; j++) out[j]! /= denom;
    return out;
  }

  /** A raw feature row normalised as modality m's training features were. */
  private normaliseRow(raw: Float32Array, m: number): Float32Array {
    const c = this.state();
    const shift = c.shift[m]!;
    const scale = c.scale[m]!;
    let rowScale = 1;
    if (this.params.normalize === 'l2') {
      let s = 0;
      for (let j = 0; j < raw.length; j++) s += raw[j]! * raw[j]!;
      rowScale = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    return Float32Array.from(raw, (x, j) => (x * rowScale - shift[j]!) * scale[j]!);
  }

  /** Writes the scoring tables plus what content scoring and explanations need. */
  override async save(dir: string): Promise<void> {
    const f = this.getFactors();
    const c = this.state();
    const dims: Record<string, number> = { users: this.nUsers, items: this.nItems, dim: f.dim };
    const tables: Record<string, Float32Array> = {
      userFactors: f.userFactors,
      itemFactors: f.itemFactors,
      base: c.base,
      weights: c.weights,
      renormalise: Float32Array.of(c.renormalise ? 1 : 0),
    };
    c.names.forEach((name, k) => {
      dims[`modality:${name}`] = c.dims[k]!;
      tables[`features${k}`] = c.features[k]!;
      tables[`shift${k}`] = c.shift[k]!;
      tables[`scale${k}`] = c.scale[k]!;
      tables[`part${k}`] = c.parts[k]!;
    });
    await writeArtifact(
      dir,
      { model: this.name, params: { ...this.params }, dims, fingerprint: this.fingerprint },
      tables,
    );
  }

  /** Loads a saved FREEDOM model, checking the dataset fingerprint when given. */
  static async load(dir: string, fingerprint?: string): Promise<Freedom> {
    const loaded = await FactorRecommender.loadFactors(dir, 'freedom', fingerprint);
    const { manifest } = loaded;
    const model = new Freedom(manifest.params).restore(loaded);
    const { tables } = await readArtifact(dir, {
      model: 'freedom',
      ...(fingerprint === undefined ? {} : { fingerprint }),
    });
    const nItems = model.nItems;
    const d = loaded.dim;
    const table = (name: string, length: number): Float32Array => {
      const t = tables[name];
      if (!(t instanceof Float32Array) || t.length !== length) {
        throw new MismatchError(`${dir}: table "${name}" must hold ${length} float32 values`);
      }
      return t;
    };
    const names: string[] = [];
    const dims: number[] = [];
    for (const [key, value] of Object.entries(manifest.dims)) {
      if (!key.startsWith('modality:')) continue;
      names.push(key.slice('modality:'.length));
      dims.push(value);
    }
    model.content = {
      names,
      dims,
      weights: table('weights', names.length),
      features: dims.map((dm, k) => table(`features${k}`, nItems * dm)),
      shift: dims.map((dm, k) => table(`shift${k}`, dm)),
      scale: dims.map((dm, k) => table(`scale${k}`, dm)),
      base: table('base', nItems * d),
      renormalise: table('renormalise', 1)[0] === 1,
      parts: dims.map((_, k) => table(`part${k}`, nItems * d)),
    };
    return model;
  }
}
