/**
 * @module models/fusion
 * The fusion two-tower recommender: score(u, i) = <p_u, z_i> with z_i = e_i + c_i, where e_i is
 * an item ID embedding (switchable off for pure content models) and c_i the item tower's fused
 * content vector (./tower, ./strategies). With `layers` > 0 the initial embeddings [P; Z] are
 * propagated over the user-item graph as in LightGCN (the mean of Â^k [P; Z], k = 0..layers)
 * and the gradient flows back through the propagation into the tower, so the content shapes
 * the graph embeddings. Because every item's content vector enters the propagation, the graph
 * variant runs the tower over all items; with `towerEvery` = N > 1 it does so once per N batches
 * instead of per batch (default 1: every batch): the tower's output is a leaf that sums the exact
 * gradients of the group's batches, back-propagated through the tower once when the group ends (the tower's weights are fixed inside
 * a group, so nothing is approximated; they take one Adam step per group). Objectives: BPR
 * over uniform negatives (implicit feedback), BCE with `negatives` sampled negatives (clicks), or
 * MSE on the training values (ratings; a global mean is added). Regularisation: MMRec's EmbLoss
 * on the batch's ID embeddings, weight decay on the tower, token dropout and whole-modality
 * dropout, and an optional InfoNCE loss that aligns the modality tokens of each item (the seed
 * article's semantic consistency). All dense weights
 * train with Adam through the project's autograd (src/nn).
 *
 * Items without training interactions (cold items) keep only their content vector (coldItems
 * 'content'), and `contentItemVector` computes that vector for an item added after training.
 * Explanations split each item's scoring vector into additive parts: the ID embedding
 * ("collaborative"), one part per modality (w_m·t_m for weighted/attention fusion; the change
 * when the modality is hidden, for concat/transformer) and the remainder ("interaction");
 * with graph layers each part is propagated on its own (propagation is linear).
 */
import { InvalidArgumentError, NotFittedError } from '../../errors.js';
import { type Csr, normalizedAdjacency } from '../../math/spmm.js';
import { DenseAdam } from '../../nn/adam.js';
import { Graph } from '../../nn/graph.js';
import { Param, Tensor } from '../../nn/tensor.js';
import { xavierUniform } from '../../training/init.js';
import { interactedItems, TripleSampler } from '../../training/sampler.js';
import { runEpochs } from '../../training/trainer.js';
import { progress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { readArtifact, writeArtifact } from '../artifact.js';
import { FactorRecommender } from '../factor-base.js';
import { edgeWeights, keptAdjacency, keptEdges, sampleEdges } from '../freedom/pruning.js';
import type { FitOptions, FitReport, ItemVectorPart, TrainingData } from '../recommender.js';
import { buildItemFeatures, selectModalities } from '../vbpr/features.js';
import { type FusionParams, resolveFusionParams } from './params.js';
import { ItemTower, type TowerInputs, type TowerOutput } from './tower.js';

interface Normalization {
  mode: 'l2' | 'standard' | 'none';
  shift: Float32Array;
  scale: Float32Array;
}

interface State {
  tower: ItemTower;
  user: Param;
  itemId: Param | undefined;
  norms: Normalization[];
  warm: Uint8Array;
  adj: Csr | undefined;
  /** The graph training propagates over (the pruned one with edgeDropout, else adj). */
  trainAdj: Csr | undefined;
  nUsers: number;
  nItems: number;
  /** Per-item weight of a positive in the BPR loss (ipsBeta > 0), else undefined. */
  ipsWeight: Float32Array | undefined;
}

/** Additive parts of every item's scoring vector, by name (nItems x dim each). */
type PartTables = { name: string; table: Float32Array }[];

/**
 * With graph layers and `towerEvery` != 1: one forward pass of the item tower over every item,
 * shared by several batches. `content` is a leaf holding the tower's output; each batch's backward
 * adds its gradient into content.grad, and closing the group back-propagates the sum through the
 * tower (exact: the tower's weights do not change inside a group).
 */
interface TowerGroup {
  graph: Graph;
  tower: TowerOutput;
  content: Tensor;
  items: Int32Array;
  /** Positive items of each of the group's batches (for their InfoNCE terms). */
  pos: Int32Array[];
  batches: number;
}

export class Fusion extends FactorRecommender {
  readonly name = 'fusion';
  declare readonly params: Readonly<FusionParams>;
  private state: State | undefined;
  private parts: PartTables | undefined;
  private learned: Record<string, unknown> = {};

  constructor(params: Record<string, unknown> = {}) {
    super(resolveFusionParams(params));
  }

  /** Learned quantities worth reporting (modality weights, layer weights). */
  describe(): Record<string, unknown> {
    return this.learned;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const p = this.params;
    const train = data.train;
    const { nUsers, nItems } = train;
    const d = p.dim;
    const mods = selectModalities('fusion', data.modalities, p.modalities);
    const inputs: TowerInputs = { names: [], dims: [], data: [], present: [] };
    const norms: Normalization[] = [];
    for (const m of mods) {
      const f = buildItemFeatures([m], nItems, p.normalize);
      inputs.names.push(m.name);
      inputs.dims.push(m.dim);
      inputs.data.push(f.data);
      inputs.present.push(m.present);
      norms.push({ mode: p.normalize, shift: f.shift, scale: f.scale });
    }
    const rng = new Rng(options.seed);
    const user = new Param('user', nUsers, d, xavierUniform(nUsers, d, rng), false);
    const itemId =
      p.itemId === 'on' ? new Param('itemId', nItems, d, xavierUniform(nItems, d, rng), false) : undefined;
    const tower = new ItemTower(inputs, p, rng);
    const warm = new Uint8Array(nItems);
    for (let k = 0; k < train.nnz; k++) warm[train.indices[k]!] = 1;
    const adj = p.layers > 0 ? normalizedAdjacency(train) : undefined;
    let ipsWeight: Float32Array | undefined;
    if (p.ipsBeta > 0 && p.loss === 'bpr') {
      const counts = new Float64Array(nItems);
      for (let k = 0; k < train.nnz; k++) counts[train.indices[k]!]!++;
      ipsWeight = Float32Array.from(counts, (c) => Math.max(1, c) ** -p.ipsBeta);
    }
    const state: State = { tower, user, itemId, norms, warm, adj, trainAdj: adj, nUsers, nItems, ipsWeight };
    this.state = state;
    this.fingerprint = data.fingerprint;
    // graph layers: the tower runs once per `towerEvery` batches (0: once per epoch) and steps
    // with its own Adam when its group closes; 1 keeps the per-batch tower of before
    const grouped = adj !== undefined && p.towerEvery !== 1;
    const adam = new DenseAdam([user, ...(itemId ? [itemId] : []), ...(grouped ? [] : tower.params)], {
      lr: p.lr,
      weightDecay: p.weightDecay,
    });
    const towerAdam = grouped
      ? new DenseAdam(tower.params, { lr: p.lr, weightDecay: p.weightDecay })
      : undefined;
    const stepRng = new Rng(rng.nextU32());
    let mean = 0;
    if (p.loss === 'mse') {
      if (train.nnz === 0) throw new InvalidArgumentError('fusion: the training matrix holds no ratings');
      for (let k = 0; k < train.nnz; k++) mean += train.values[k]!;
      mean /= train.nnz;
    }
    this.refresh(mean);
    const sampler =
      p.loss === 'mse'
        ? undefined
        : new TripleSampler(train, {
            seed: rng.nextU32() | 0,
            negatives: p.loss === 'bce' ? p.negatives : 1,
            ...(p.negativeItems === 'warm' ? { negativePool: interactedItems(train) } : {}),
          });
    const pairOrder = p.loss === 'mse' ? Int32Array.from({ length: train.nnz }, (_, k) => k) : undefined;
    const pairUsers = new Int32Array(train.nnz);
    for (let u = 0; u < nUsers; u++) pairUsers.fill(u, train.indptr[u]!, train.indptr[u + 1]!);
    const shuffleRng = new Rng(rng.nextU32());
    // Degree-sensitive edge pruning (drawn after every other stream, so settings without it keep
    // their numbers).
    const prune =
      adj && p.edgeDropout > 0
        ? {
            rng: new Rng(rng.nextU32()),
            weights: edgeWeights(train),
            keep: keptEdges(train.nnz, p.edgeDropout),
          }
        : undefined;

    const nBatches = Math.ceil(train.nnz / p.batchSize);
    return runEpochs(options, (e) => {
      let loss = 0;
      let batches = 0;
      if (prune) state.trainAdj = keptAdjacency(train, sampleEdges(prune.weights, prune.keep, prune.rng));
      let group: TowerGroup | undefined;
      // a bar with an ETA for long epochs on a terminal (silent elsewhere)
      const bar = nBatches >= 100 ? progress(`fusion epoch ${e}`, nBatches) : undefined;
      const run = (users: Int32Array, pos: Int32Array, neg?: Int32Array, target?: Float32Array) => {
        if (towerAdam && !group) group = this.openGroup(state, stepRng);
        loss += this.step(state, users, pos, neg, target, stepRng, adam, group);
        batches++;
        bar?.update(batches);
        if (group && ++group.batches === p.towerEvery) {
          loss += this.closeGroup(state, group, towerAdam!);
          group = undefined;
        }
      };
      if (sampler) {
        for (const batch of sampler.epoch(p.batchSize)) {
          const users = batch.users.slice(0, batch.size);
          const pos = batch.pos.slice(0, batch.size);
          const neg = batch.neg.slice(0, batch.size * sampler.negatives);
          run(users, pos, neg);
        }
      } else if (pairOrder) {
        shuffleRng.shuffle(pairOrder);
        for (let s = 0; s < pairOrder.length; s += p.batchSize) {
          const idx = pairOrder.subarray(s, Math.min(pairOrder.length, s + p.batchSize));
          const users = Int32Array.from(idx, (k) => pairUsers[k]!);
          const items = Int32Array.from(idx, (k) => train.indices[k]!);
          const target = Float32Array.from(idx, (k) => train.values[k]! - mean);
          run(users, items, undefined, target);
        }
      }
      if (group) loss += this.closeGroup(state, group, towerAdam!);
      bar?.stop();
      this.refresh(mean);
      return batches > 0 ? loss / batches : Number.NaN;
    });
  }

  /** One optimisation step; returns the batch loss. */
  private step(
    s: State,
    users: Int32Array,
    pos: Int32Array,
    neg: Int32Array | undefined,
    target: Float32Array | undefined,
    rng: Rng,
    adam: DenseAdam,
    group?: TowerGroup,
  ): number {
    const p = this.params;
    const g = new Graph({ train: true });
    const B = users.length;
    // the items this step needs content for: all of them with graph propagation, else the batch's
    let towerItems: Int32Array;
    let rowOf: (item: number) => number;
    if (group) {
      towerItems = group.items;
      rowOf = (i) => i;
    } else if (s.adj) {
      towerItems = Int32Array.from({ length: s.nItems }, (_, i) => i);
      rowOf = (i) => i;
    } else {
      const map = new Int32Array(s.nItems).fill(-1);
      const list: number[] = [];
      for (const arr of neg ? [pos, neg] : [pos])
        for (const i of arr)
          if (map[i]! < 0) {
            map[i] = list.length;
            list.push(i);
          }
      towerItems = Int32Array.from(list);
      rowOf = (i) => map[i]!;
    }
    const tw = group ? undefined : s.tower.forward(g, towerItems, rng, { hide: p.modalityDropout });
    const content = group ? group.content : tw!.fused;
    const z = s.itemId ? g.add(content, g.gather(s.itemId, towerItems)) : content;
    let uVec: Tensor;
    let itemVec: (items: Int32Array) => Tensor;
    if (s.adj) {
      const all = g.propagate(g.concatRows(s.user, z), s.trainAdj ?? s.adj, p.layers);
      uVec = g.gather(all, users);
      itemVec = (items) =>
        g.gather(
          all,
          items.map((i) => i + s.nUsers),
        );
    } else {
      uVec = g.gather(s.user, users);
      itemVec = (items) => g.gather(z, items.map(rowOf));
    }
    const terms: [Tensor, number][] = [];
    const ego: Tensor[] = [g.gather(s.user, users)];
    const egoItems = (items: Int32Array): Tensor =>
      s.itemId ? g.gather(s.itemId, items) : g.gather(z, items.map(rowOf));
    if (target) {
      terms.push([g.mseLoss(g.rowDot(uVec, itemVec(pos)), target), 1]);
      ego.push(egoItems(pos));
    } else if (neg && p.loss === 'bpr') {
      const w = s.ipsWeight ? Float32Array.from(pos, (i) => s.ipsWeight![i]!) : undefined;
      terms.push([g.bprLoss(g.rowDot(uVec, itemVec(pos)), g.rowDot(uVec, itemVec(neg)), w), 1]);
      ego.push(egoItems(pos), egoItems(neg));
    } else if (neg) {
      const k = neg.length / B;
      const rep = Int32Array.from({ length: B * k }, (_, x) => Math.floor(x / k));
      const logits = g.concatRows(g.rowDot(uVec, itemVec(pos)), g.rowDot(g.gather(uVec, rep), itemVec(neg)));
      const labels = new Float32Array(B * (k + 1));
      labels.fill(1, 0, B);
      terms.push([g.bceLoss(logits, labels), 1]);
      ego.push(egoItems(pos), egoItems(neg));
    }
    if (p.reg > 0) terms.push([g.frobenius(ego, B), p.reg]);
    if (p.align > 0 && s.tower.M > 1) {
      if (group) group.pos.push(pos);
      else terms.push([this.alignLoss(g, s, tw!.tokens, tw!.present, towerItems, pos), p.align]);
    }
    const loss = g.weightedSum(terms);
    g.backward(loss);
    adam.step();
    return loss.data[0]!;
  }

  /** Runs the tower over every item once, for the batches of a group (see TowerGroup). */
  private openGroup(s: State, rng: Rng): TowerGroup {
    const graph = new Graph({ train: true });
    const items = Int32Array.from({ length: s.nItems }, (_, i) => i);
    const tower = s.tower.forward(graph, items, rng, { hide: this.params.modalityDropout });
    const content = new Tensor(s.nItems, this.params.dim, tower.fused.data, true);
    return { graph, tower, content, items, pos: [], batches: 0 };
  }

  /**
   * Back-propagates the group's summed content gradient through the tower (with each batch's
   * InfoNCE term over its own positives, as the per-batch tower has them) and steps the tower's
   * weights. Returns the InfoNCE part of the loss, for the epoch's loss sum.
   */
  private closeGroup(s: State, group: TowerGroup, adam: DenseAdam): number {
    const g = group.graph;
    const { tower, content } = group;
    const terms: [Tensor, number][] = [];
    if (content.grad) {
      const grad = Tensor.constant(content.rows, content.cols, content.grad);
      terms.push([g.sum(g.mul(tower.fused, grad)), 1]);
    }
    let align = 0;
    const p = this.params;
    if (p.align > 0 && s.tower.M > 1) {
      for (const pos of group.pos) {
        const a = this.alignLoss(g, s, tower.tokens, tower.present, group.items, pos);
        align += a.data[0]! * p.align;
        terms.push([a, p.align]);
      }
    }
    if (terms.length === 0) return 0;
    g.backward(g.weightedSum(terms));
    adam.step();
    return align;
  }

  /** Mean InfoNCE over modality pairs, on (at most 512 of) the batch's positive items. */
  private alignLoss(
    g: Graph,
    s: State,
    tokens: Tensor[],
    present: Uint8Array,
    towerItems: Int32Array,
    pos: Int32Array,
  ): Tensor {
    const M = s.tower.M;
    const rowOfItem = new Map<number, number>();
    towerItems.forEach((i, r) => {
      rowOfItem.set(i, r);
    });
    const rows: number[] = [];
    const seen = new Set<number>();
    for (const i of pos) {
      if (seen.has(i)) continue;
      seen.add(i);
      rows.push(rowOfItem.get(i)!);
      if (rows.length >= 512) break;
    }
    const idx = Int32Array.from(rows);
    const normed = tokens.map((t) => g.l2NormalizeRows(g.gather(t, idx)));
    const terms: [Tensor, number][] = [];
    let pairs = 0;
    for (let a = 0; a < M; a++) for (let b = a + 1; b < M; b++) pairs++;
    for (let a = 0; a < M; a++)
      for (let b = a + 1; b < M; b++) {
        const valid = Uint8Array.from(rows, (r) => (present[r * M + a] && present[r * M + b] ? 1 : 0));
        terms.push([g.infoNce(normed[a]!, normed[b]!, this.params.temperature, valid), 1 / pairs]);
      }
    return g.weightedSum(terms);
  }

  /** Content vectors of all items in inference mode, with the tower's per-item outputs. */
  private inferAll(s: State, present?: Uint8Array) {
    const g = new Graph({ train: false });
    const items = Int32Array.from({ length: s.nItems }, (_, i) => i);
    const rows = present ? { data: s.tower.inputs.data, present } : undefined;
    return s.tower.forward(g, items, new Rng(0), rows ? { rows } : {});
  }

  /** The initial item embeddings z_i = e_i + c_i (cold items: c_i only, unless coldItems 'learned'). */
  private itemEmbeddings(s: State, content: Float32Array): Float32Array {
    const d = this.params.dim;
    const z = Float32Array.from(content);
    if (s.itemId) {
      const zeroCold = this.params.coldItems === 'content';
      for (let i = 0; i < s.nItems; i++) {
        if (zeroCold && !s.warm[i]) continue;
        for (let j = 0; j < d; j++) z[i * d + j]! += s.itemId.data[i * d + j]!;
      }
    }
    return z;
  }

  private propagateAll(s: State, users: Float32Array, items: Float32Array): Float32Array {
    const g = new Graph({ train: false });
    const d = this.params.dim;
    const x = g.concatRows(Tensor.constant(s.nUsers, d, users), Tensor.constant(s.nItems, d, items));
    return g.propagate(x, s.adj!, this.params.layers).data;
  }

  /** Recomputes the scoring tables from the current weights. */
  private refresh(mean: number): void {
    const s = this.state!;
    const d = this.params.dim;
    const out = this.inferAll(s);
    const z = this.itemEmbeddings(s, out.fused.data);
    let userFactors = s.user.data;
    let itemFactors = z;
    if (s.adj) {
      const all = this.propagateAll(s, s.user.data, z);
      userFactors = all.subarray(0, s.nUsers * d);
      itemFactors = all.subarray(s.nUsers * d);
    }
    this.parts = undefined;
    this.learned = s.tower.strategy.describe(s.tower.inputs.names);
    this.setFactors({
      dim: d,
      userFactors,
      itemFactors,
      ...(this.params.loss === 'mse' ? { globalBias: mean } : {}),
    });
  }

  /** Additive parts of every item's scoring vector (computed on first use after training). */
  private computeParts(): PartTables {
    const s = this.state;
    if (!s)
      throw new NotFittedError('fusion: explanations need a trained model (or one saved with its parts)');
    const d = this.params.dim;
    const M = s.tower.M;
    const n = s.nItems;
    const base = this.inferAll(s);
    const c = base.fused.data;
    const modal: Float32Array[] = [];
    if (base.tokenWeights) {
      for (let m = 0; m < M; m++) {
        const t = base.tokens[m]!.data;
        const part = new Float32Array(n * d);
        for (let i = 0; i < n; i++) {
          const w = base.tokenWeights[i * M + m]!;
          for (let j = 0; j < d; j++) part[i * d + j] = w * t[i * d + j]!;
        }
        modal.push(part);
      }
    } else {
      for (let m = 0; m < M; m++) {
        const present = Uint8Array.from(base.present);
        for (let i = 0; i < n; i++) present[i * M + m] = 0;
        const without = this.inferAll(s, present).fused.data;
        // an item whose only modality is m keeps it all
        const part = new Float32Array(n * d);
        for (let i = 0; i < n; i++) {
          let others = 0;
          for (let k = 0; k < M; k++) if (k !== m && base.present[i * M + k]) others++;
          if (!base.present[i * M + m]) continue;
          for (let j = 0; j < d; j++)
            part[i * d + j] = others > 0 ? c[i * d + j]! - without[i * d + j]! : c[i * d + j]!;
        }
        modal.push(part);
      }
    }
    const interaction = Float32Array.from(c);
    for (const part of modal) for (let x = 0; x < interaction.length; x++) interaction[x]! -= part[x]!;
    const collab = this.itemEmbeddings(s, new Float32Array(n * d));
    let tables: PartTables = [
      { name: 'collaborative', table: collab },
      ...modal.map((table, m) => ({ name: s.tower.inputs.names[m]!, table })),
      { name: 'interaction', table: interaction },
    ];
    if (s.adj) {
      tables = tables.map(({ name, table }) => {
        const users = name === 'collaborative' ? s.user.data : new Float32Array(s.nUsers * d);
        return { name, table: this.propagateAll(s, users, table).slice(s.nUsers * d) };
      });
    }
    return tables;
  }

  explainItem(item: number): ItemVectorPart[] {
    if (!this.parts) this.parts = this.computeParts();
    const d = this.params.dim;
    return this.parts.map(({ name, table }) => ({ name, vector: table.slice(item * d, (item + 1) * d) }));
  }

  contentItemVector(features: Readonly<Record<string, Float32Array | undefined>>): Float32Array {
    const s = this.state;
    if (!s) throw new NotFittedError('fusion: contentItemVector needs a trained or loaded model');
    const M = s.tower.M;
    const present = new Uint8Array(M);
    const data: Float32Array[] = [];
    s.tower.inputs.names.forEach((name, m) => {
      const dim = s.tower.inputs.dims[m]!;
      const raw = features[name];
      const row = new Float32Array(dim);
      if (raw) {
        if (raw.length !== dim) {
          throw new InvalidArgumentError(
            `fusion: feature "${name}" has ${raw.length} values, the model expects ${dim}`,
          );
        }
        normalizeRow(raw, s.norms[m]!, row);
        present[m] = 1;
      }
      data.push(row);
    });
    const g = new Graph({ train: false });
    const c = s.tower.forward(g, Int32Array.of(0), new Rng(0), { rows: { data, present } }).fused.data;
    if (this.params.layers > 0) for (let j = 0; j < c.length; j++) c[j]! /= this.params.layers + 1;
    return Float32Array.from(c);
  }

  override async save(dir: string): Promise<void> {
    const s = this.state;
    const f = this.getFactors();
    const tables: Record<string, Float32Array> = { userFactors: f.userFactors, itemFactors: f.itemFactors };
    const dims: Record<string, number> = { users: this.nUsers, items: this.nItems, dim: f.dim };
    if (f.globalBias !== undefined) tables.globalBias = Float32Array.of(f.globalBias);
    if (s) {
      s.tower.inputs.names.forEach((name, m) => {
        dims[`feature:${name}`] = s.tower.inputs.dims[m]!;
        tables[`norm:${name}:shift`] = s.norms[m]!.shift;
        tables[`norm:${name}:scale`] = s.norms[m]!.scale;
      });
      for (const prm of s.tower.params) tables[`w:${prm.name}`] = prm.data;
      if (!this.parts) this.parts = this.computeParts();
    }
    for (const { name, table } of this.parts ?? []) tables[`part:${name}`] = table;
    await writeArtifact(
      dir,
      {
        model: this.name,
        params: { ...this.params, modalityOrder: s?.tower.inputs.names ?? [], learned: this.learned },
        dims,
        fingerprint: this.fingerprint,
      },
      tables,
    );
  }

  static async load(dir: string, fingerprint?: string): Promise<Fusion> {
    const loaded = await FactorRecommender.loadFactors(dir, 'fusion', fingerprint);
    const { tables, manifest } = await readArtifact(dir, { model: 'fusion' });
    const {
      modalityOrder = [],
      learned = {},
      ...params
    } = manifest.params as Record<string, unknown> & {
      modalityOrder?: string[];
      learned?: Record<string, unknown>;
    };
    const model = new Fusion(params).restore(loaded);
    model.learned = learned;
    const table = (name: string): Float32Array => {
      const t = tables[name];
      if (!(t instanceof Float32Array)) throw new InvalidArgumentError(`${dir}: table "${name}" is missing`);
      return t;
    };
    const names = modalityOrder;
    if (names.length > 0) {
      const dims = names.map((n) => manifest.dims[`feature:${n}`]!);
      const inputs: TowerInputs = {
        names,
        dims,
        data: dims.map(() => new Float32Array(0)),
        present: dims.map(() => new Uint8Array(0)),
      };
      const tower = new ItemTower(inputs, model.params, new Rng(0));
      for (const prm of tower.params) prm.data.set(table(`w:${prm.name}`));
      const d = model.params.dim;
      model.state = {
        tower,
        user: new Param('user', loaded.userFactors.length / d, d, loaded.userFactors, false),
        itemId: undefined,
        norms: names.map((n) => ({
          mode: model.params.normalize,
          shift: table(`norm:${n}:shift`),
          scale: table(`norm:${n}:scale`),
        })),
        warm: new Uint8Array(0),
        ipsWeight: undefined,
        adj: undefined,
        trainAdj: undefined,
        nUsers: loaded.userFactors.length / d,
        nItems: loaded.itemFactors.length / d,
      };
    }
    const partNames = Object.keys(tables).filter((k) => k.startsWith('part:'));
    if (partNames.length > 0) model.parts = partNames.map((k) => ({ name: k.slice(5), table: table(k) }));
    return model;
  }
}

/** The normalisation fit() applied to a modality, for one raw feature row. */
function normalizeRow(raw: Float32Array, n: Normalization, out: Float32Array): void {
  let rowScale = 1;
  if (n.mode === 'l2') {
    let s = 0;
    for (const v of raw) s += v * v;
    rowScale = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  for (let k = 0; k < raw.length; k++) out[k] = (raw[k]! * rowScale - n.shift[k]!) * n.scale[k]!;
}
