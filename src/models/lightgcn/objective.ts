/**
 * @module models/lightgcn/objective
 * LightGCN's training objective on one batch of (user, positive, negative) triples, as MMRec's
 * LightGCN computes it (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network
 * for Recommendation", SIGIR 2020, eq. 15): the mean BPR loss −log σ(<F_u, F_i> − <F_u, F_j>) on
 * the final embeddings F, plus reg · EmbLoss(E0_u, E0_i, E0_j) on the batch's layer-0 (ego)
 * embeddings, EmbLoss = Σ_t ||E_t||_F / batchSize (Frobenius norms, not squared).
 */
import { bprGrad, bprLoss, embLossGradScale } from '../../training/losses.js';
import type { TripleBatch } from '../../training/sampler.js';
import type { Propagation } from './propagation.js';

/** Gives every user and item of the batch its slot (users, then positives, then negatives). */
export function assignSlots(p: Propagation, batch: TripleBatch, nUsers: number): void {
  const { users, pos, neg, size } = batch;
  for (let b = 0; b < size; b++) p.slotOf(users[b]!);
  for (let b = 0; b < size; b++) p.slotOf(nUsers + pos[b]!);
  for (let b = 0; b < size; b++) p.slotOf(nUsers + neg[b]!);
}

/**
 * Loss of the batch from p.f (final embeddings of the batch rows, after forward()); writes dL/dF
 * into p.g and the regulariser's dL/dE0 into p.r (both by slot, zeroed beforehand).
 * Batches carry one negative per pair (MMRec draws one).
 */
export function batchObjective(p: Propagation, batch: TripleBatch, nUsers: number, reg: number): number {
  const { pd, dim } = p;
  const { f, g, r, e0, slot } = p;
  const { users, pos, neg, size } = batch;
  let bpr = 0;
  // Squared Frobenius norms of the gathered ego rows E0[users], E0[pos], E0[neg] (repeats counted).
  let nu = 0;
  let np = 0;
  let nn = 0;
  for (let b = 0; b < size; b++) {
    const eu = users[b]!;
    const ei = nUsers + pos[b]!;
    const ej = nUsers + neg[b]!;
    const u = slot[eu]! * pd;
    const i = slot[ei]! * pd;
    const j = slot[ej]! * pd;
    let x = 0;
    for (let k = 0; k < dim; k++) x += f[u + k]! * (f[i + k]! - f[j + k]!);
    bpr += bprLoss(x);
    const c = bprGrad(x) / size;
    for (let k = 0; k < dim; k++) {
      const fu = f[u + k]!;
      g[u + k]! += c * (f[i + k]! - f[j + k]!);
      g[i + k]! += c * fu;
      g[j + k]! -= c * fu;
      const a = e0[eu * pd + k]!;
      const q = e0[ei * pd + k]!;
      const z = e0[ej * pd + k]!;
      nu += a * a;
      np += q * q;
      nn += z * z;
    }
  }
  let loss = bpr / size;
  if (reg > 0) {
    const norms = [Math.sqrt(nu), Math.sqrt(np), Math.sqrt(nn)] as const;
    loss += (reg * (norms[0] + norms[1] + norms[2])) / size;
    // d(reg · EmbLoss)/dE0 row = reg · row / (||E_t||_F · size) per occurrence.
    const cu = reg * embLossGradScale(norms[0], size);
    const cp = reg * embLossGradScale(norms[1], size);
    const cn = reg * embLossGradScale(norms[2], size);
    for (let b = 0; b < size; b++) {
      const eu = users[b]! * pd;
      const ei = (nUsers + pos[b]!) * pd;
      const ej = (nUsers + neg[b]!) * pd;
      const u = slot[users[b]!]! * pd;
      const i = slot[nUsers + pos[b]!]! * pd;
      const j = slot[nUsers + neg[b]!]! * pd;
      for (let k = 0; k < dim; k++) {
        r[u + k]! += cu * e0[eu + k]!;
        r[i + k]! += cp * e0[ei + k]!;
        r[j + k]! += cn * e0[ej + k]!;
      }
    }
  }
  return loss;
}
