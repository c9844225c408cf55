/**
 * @module models/freedom/modal
 * FREEDOM's auxiliary modality loss, as MMRec's FREEDOM computes it: each modality's feature table
 * X_m (initialised from the features and trained, as `nn.Embedding.from_pretrained(freeze=False)`)
 * is projected by a linear layer, T_m = X_m W_m^T (+ b_m), and the loss adds
 * reg · Σ_m BPR(F_u, T_m[pos], T_m[neg]), where F_u are the users' final embeddings over the pruned
 * graph. The bias cancels in every score difference (its gradient is zero), so it is left out.
 * The projections do not enter scoring: the term shapes the user embeddings only.
 *
 * Per batch and modality, with the SIMD kernels (./kernels): T on the batch's distinct items,
 * the pairwise score differences, dT and dL/dF_u, then dW = dT^T X and dX = dT W on those rows
 * (three products of distinct items x dim x feature width); X and W then take dense Adam steps
 * (every row moves with its momentum, as torch's Adam does) on the thread team.
 */

import { splitByCost } from '../../math/spmm.js';
import { bprGrad, bprLoss } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import type { Arena } from '../../util/arena.js';
import { FOP, type FreedomTeam } from './team.js';

/** Arena tables of the batch bookkeeping (shared by all modalities). */
export type ModalBatchTable = 'qrows' | 'qi' | 'qj' | 'T' | 'dT';

/** Table specs of the modality batch bookkeeping. */
export function modalBatchSpecs(
  nItems: number,
  batchSize: number,
  pd: number,
): Record<ModalBatchTable, { length: number; type: 'f32' | 'i32' }> {
  const distinct = Math.max(1, Math.min(nItems, 2 * batchSize));
  return {
    qrows: { length: distinct, type: 'i32' },
    qi: { length: batchSize, type: 'i32' },
    qj: { length: batchSize, type: 'i32' },
    T: { length: distinct * pd, type: 'f32' },
    dT: { length: distinct * pd, type: 'f32' },
  };
}

/** One modality's trainable tables: byte offsets in the arena and views. */
export interface ModalTables {
  /** Feature width. */
  dim: number;
  /** Row stride of x (dim rounded up to 4). */
  pdim: number;
  /** nItems x pdim: the trainable features. */
  x: Float32Array;
  /** dim x pd: W^T (row c holds feature c's weights to the pd output columns). */
  w: Float32Array;
  /** Gradients, same shapes. */
  xg: Float32Array;
  wg: Float32Array;
  at: { x: number; w: number; xg: number; wg: number };
}

/** The distinct items of a batch and each pair's positions among them. */
export class ModalBatch {
  /** item -> position among the batch's distinct items, or -1. */
  private readonly pos: Int32Array;
  private readonly rows: Int32Array;
  private readonly qi: Int32Array;
  private readonly qj: Int32Array;
  readonly dT: Float32Array;
  count = 0;

  constructor(
    nItems: number,
    private readonly arena: Arena<ModalBatchTable>,
  ) {
    this.pos = new Int32Array(nItems).fill(-1);
    this.rows = arena.i32('qrows');
    this.qi = arena.i32('qi');
    this.qj = arena.i32('qj');
    this.dT = arena.f32('dT');
  }

  /** Lists the distinct items of pos and neg, and every pair's positions among them. */
  collect(batch: TripleBatch): void {
    for (let q = 0; q < this.count; q++) this.pos[this.rows[q]!] = -1;
    this.count = 0;
    for (let b = 0; b < batch.size; b++) {
      this.qi[b] = this.add(batch.pos[b]!);
      this.qj[b] = this.add(batch.neg[b]!);
    }
  }

  private add(item: number): number {
    let q = this.pos[item]!;
    if (q < 0) {
      q = this.count++;
      this.pos[item] = q;
      this.rows[q] = item;
    }
    return q;
  }

  get at(): Readonly<Record<ModalBatchTable, number>> {
    return this.arena.at;
  }
}

/**
 * The loss of one modality on a batch, scaled by reg (reg · mean BPR): adds its gradient w.r.t.
 * the users' final embeddings into the table at `gAt` (rows `usersAt`, the users' slots) and
 * leaves dX, dW in m.xg, m.wg. `fAt` holds the users' final embeddings (by slot); `dots` and
 * `coef` are scratch arrays of batch.size floats (views and offsets of the same tables).
 */
export function modalLoss(
  team: FreedomTeam,
  m: ModalTables,
  mb: ModalBatch,
  size: number,
  o: { fAt: number; gAt: number; usersAt: number; dotsAt: number; coefAt: number },
  dots: Float32Array,
  coef: Float32Array,
  pd: number,
  reg: number,
): number {
  const at = mb.at;
  const k = team.local;
  const xs = 4 * m.pdim;
  const byRows = splitByCost((q) => q, mb.count, team.members);
  const args = { count: mb.count, rows: at.qrows, xs, din: m.dim, pd };
  team.setGemmArgs({ ...args, x: m.at.x, w: m.at.w, t: at.T });
  team.setRanges(byRows);
  team.run(FOP.gemmRows);
  k.pairDots(size, o.usersAt, at.qi, at.qj, o.fAt, at.T, o.dotsAt, pd);
  let loss = 0;
  for (let b = 0; b < size; b++) {
    loss += bprLoss(dots[b]!);
    coef[b] = (reg * bprGrad(dots[b]!)) / size;
  }
  mb.dT.fill(0, 0, mb.count * pd);
  k.pairGrads(size, o.usersAt, at.qi, at.qj, o.fAt, at.T, o.coefAt, o.gAt, at.dT, pd);
  // dW = dT^T X split by feature columns (dW rows), dX = dT W split by distinct rows.
  m.xg.fill(0);
  m.wg.fill(0);
  team.setGemmArgs({ ...args, x: m.at.x, w: m.at.wg, t: at.dT });
  team.setRanges(splitByCost((c) => c, m.dim, team.members));
  team.run(FOP.gemmTN);
  team.setGemmArgs({ ...args, x: m.at.xg, w: m.at.w, t: at.dT });
  team.setRanges(byRows);
  team.run(FOP.gemmNT);
  return (reg * loss) / size;
}
