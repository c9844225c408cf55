/**
 * @module training/init
 * Weight initialisers (Glorot & Bengio, "Understanding the difficulty of training deep
 * feedforward neural networks", AISTATS 2010) with torch's fan convention for a 2-D tensor of
 * shape (rows, cols): fan_in = cols, fan_out = rows. An embedding table nn.Embedding(n, d)
 * initialised by torch.nn.init.xavier_uniform_ therefore draws from U(-a, a) with
 * a = sqrt(6 / (n + d)), which is what MMRec's BPR and LightGCN do.
 */
import type { Rng } from '../util/rng.js';

/** rows x cols table from U(-a, a), a = sqrt(6 / (rows + cols)). */
export function xavierUniform(rows: number, cols: number, rng: Rng): Float32Array {
  const a = Math.sqrt(6 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * a;
  return out;
}

/** rows x cols table from N(0, s²), s = sqrt(2 / (rows + cols)). */
export function xavierNormal(rows: number, cols: number, rng: Rng): Float32Array {
  const s = Math.sqrt(2 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * s;
  return out;
}

/** rows x cols table from N(0, std²) (e.g. std 0.01 or 0.1 for classic MF). */
export function normalInit(rows: number, cols: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}
