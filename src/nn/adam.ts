/**
 * @module nn/adam
 * Dense Adam (Kingma & Ba 2015) with optional coupled L2 over a set of Params, as torch.optim.Adam
 * with weight_decay: the L2 gradient λ·w is added to the gradient before the moments (not AdamW's
 * decoupled decay, which would subtract lr·λ·w outside the adaptive step).
 */
import type { Param } from './tensor.js';

export interface AdamConfig {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 weight decay added to the gradient of parameters whose `decay` is true. */
  weightDecay?: number;
}

export class DenseAdam {
  private t = 0;
  constructor(
    readonly params: readonly Param[],
    readonly config: AdamConfig,
  ) {}

  /** One step over every parameter with a gradient, then zeroes the gradients. */
  step(): void {
    const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = this.config;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const stepSize = lr / c1;
    const b1 = 1 - beta1;
    const b2 = 1 - beta2;
    for (const p of this.params) {
      const g = p.grad;
      if (!g) continue;
      const { data: w, m, v } = p;
      const wd = p.decay ? weightDecay : 0;
      for (let x = 0; x < w.length; x++) {
        const gx = g[x]! + wd * w[x]!;
        const mx = beta1 * m[x]! + b1 * gx;
        const vx = beta2 * v[x]! + b2 * gx * gx;
        m[x] = mx;
        v[x] = vx;
        w[x]! -= (stepSize * mx) / (Math.sqrt(vx / c2) + eps);
      }
      g.fill(0);
    }
  }
}
