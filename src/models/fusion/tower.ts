/**
 * @module models/fusion/tower
 * The item tower: each modality's normalised features x_m (missing rows masked out) are
 * projected into the common d-dimensional space (linear, or linear-GELU-linear), dropped out,
 * and fused by a strategy (./strategies) into the content vector c_i. Also decomposes c_i into
 * per-modality parts for explanations.
 */
import type { Graph } from '../../nn/graph.js';
import { Param, Tensor } from '../../nn/tensor.js';
import { xavierUniform } from '../../training/init.js';
import type { Rng } from '../../util/rng.js';
import type { FusionParams } from './params.js';
import { createStrategy, type FusionStrategy } from './strategies.js';

/** Normalised features of the chosen modalities (row i = item i). */
export interface TowerInputs {
  names: string[];
  dims: number[];
  /** One nItems x dims[m] table per modality (zero rows where missing). */
  data: Float32Array[];
  /** One nItems mask per modality. */
  present: Uint8Array[];
}

interface Projection {
  w1: Param;
  b1: Param;
  w2?: Param;
  b2?: Param;
}

export interface TowerOutput {
  fused: Tensor;
  /** The modality tokens after masking (before dropout): B x d each. */
  tokens: Tensor[];
  /** B x M presence used for this pass. */
  present: Uint8Array;
  tokenWeights?: Float32Array;
}

export class ItemTower {
  readonly params: Param[] = [];
  readonly strategy: FusionStrategy;
  private readonly projections: Projection[] = [];
  readonly M: number;

  constructor(
    readonly inputs: TowerInputs,
    readonly p: FusionParams,
    rng: Rng,
  ) {
    const d = p.dim;
    this.M = inputs.names.length;
    inputs.names.forEach((name, m) => {
      const F = inputs.dims[m]!;
      const proj: Projection = {
        w1: new Param(`proj.${name}.w1`, F, d, xavierUniform(F, d, rng)),
        b1: new Param(`proj.${name}.b1`, 1, d, new Float32Array(d), false),
      };
      if (p.projection === 'mlp') {
        proj.w2 = new Param(`proj.${name}.w2`, d, d, xavierUniform(d, d, rng));
        proj.b2 = new Param(`proj.${name}.b2`, 1, d, new Float32Array(d), false);
      }
      this.projections.push(proj);
      this.params.push(...(Object.values(proj) as Param[]));
    });
    this.strategy = createStrategy(p.fusion, this.M, d, { layers: p.fusionLayers, heads: p.heads }, rng);
    this.params.push(...this.strategy.params);
  }

  /**
   * Content vectors of `items`. `rows` (optional) supplies the feature rows directly (one
   * Float32Array per modality, B rows each) with their presence, for items outside the table.
   */
  forward(
    g: Graph,
    items: Int32Array,
    rng: Rng,
    options: { hide?: number; rows?: { data: Float32Array[]; present: Uint8Array } } = {},
  ): TowerOutput {
    const B = items.length;
    const M = this.M;
    const present = new Uint8Array(B * M);
    if (options.rows) present.set(options.rows.present);
    else
      for (let b = 0; b < B; b++)
        for (let m = 0; m < M; m++) present[b * M + m] = this.inputs.present[m]![items[b]!]!;
    const hide = options.hide ?? 0;
    if (g.train && hide > 0 && M > 1) {
      for (let b = 0; b < B; b++) {
        const kept: number[] = [];
        for (let m = 0; m < M; m++) if (present[b * M + m]) kept.push(m);
        for (const m of kept)
          if (kept.length > 1 && rng.next() < hide) {
            present[b * M + m] = 0;
            kept.splice(kept.indexOf(m), 1);
          }
      }
    }
    // every item in index order (graph layers, inference): use the feature tables without copying
    const nTable = this.inputs.present[0]?.length ?? 0;
    let allInOrder = !options.rows && B === nTable;
    for (let b = 0; allInOrder && b < B; b++) if (items[b] !== b) allInOrder = false;
    const tokens: Tensor[] = [];
    const dropped: Tensor[] = [];
    for (let m = 0; m < M; m++) {
      const F = this.inputs.dims[m]!;
      let x: Float32Array;
      if (options.rows) x = options.rows.data[m]!;
      else if (allInOrder) x = this.inputs.data[m]!;
      else {
        x = new Float32Array(B * F);
        const table = this.inputs.data[m]!;
        for (let b = 0; b < B; b++) x.set(table.subarray(items[b]! * F, (items[b]! + 1) * F), b * F);
      }
      const proj = this.projections[m]!;
      let t = g.addBias(g.matmul(Tensor.constant(B, F, x), proj.w1), proj.b1);
      if (proj.w2 && proj.b2) t = g.addBias(g.matmul(g.gelu(t), proj.w2), proj.b2);
      const mask = new Float32Array(B);
      for (let b = 0; b < B; b++) mask[b] = present[b * M + m]!;
      t = g.mulRows(t, Tensor.constant(B, 1, mask));
      tokens.push(t);
      dropped.push(g.dropout(t, this.p.dropout, rng));
    }
    const out = this.strategy.forward(g, dropped, present, rng, this.p.dropout);
    return {
      fused: out.fused,
      tokens,
      present,
      ...(out.tokenWeights ? { tokenWeights: out.tokenWeights } : {}),
    };
  }
}
