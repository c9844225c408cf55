/**
 * @module models/fusion/strategies
 * The fusion strategies: how M modality tokens t_m (B x d each, zero where the item lacks the
 * modality; `present` is the B x M mask) become one content vector c (B x d).
 *
 * - concat: c = W [t_1 | … | t_M] + b.
 * - weighted: c = Σ_m w_m t_m with w = softmax(a) over the item's present modalities; a is
 *   learned (one logit per modality), so w_v, w_t, w_a are the reported modality weights.
 * - attention: gated attention per item, α_m(i) = softmax_m(qᵀ tanh(A t_m + b)), c = Σ α_m t_m.
 * - transformer: the seed article's z = f(w_v x_v + w_t x_t + w_a x_a) with f a Transformer whose
 *   layer outputs are mixed, Σ_k β_k f_k: tokens [s; M·w_1 t_1 + p_1; …] (s a learned summary
 *   token, p_m modality embeddings, w = softmax(a) as in 'weighted') pass L pre-norm encoder
 *   layers (multi-head self-attention over the present tokens, GELU feed-forward); f_0 is the
 *   weighted sum Σ w_m t_m and f_k the summary token after layer k; β = softmax(b) is learned.
 */
import { Graph } from '../../nn/graph.js';
import { Param, Tensor } from '../../nn/tensor.js';
import { xavierUniform } from '../../training/init.js';
import type { Rng } from '../../util/rng.js';
import type { FusionStrategyName } from './params.js';

export interface FusionOutput {
  fused: Tensor;
  /**
   * Per-item weights of each modality token (B x M) when c = Σ_m weight_m · t_m exactly
   * (weighted, attention): explanations then split c into weight_m · t_m.
   */
  tokenWeights?: Float32Array;
}

export interface FusionStrategy {
  readonly name: FusionStrategyName;
  readonly params: Param[];
  forward(g: Graph, tokens: readonly Tensor[], present: Uint8Array, rng: Rng, dropout: number): FusionOutput;
  /** Learned global weights worth reporting (modality weights, layer weights). */
  describe(modalities: readonly string[]): Record<string, unknown>;
}

function repeatIndex(B: number, T: number): Int32Array {
  const idx = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) idx[b * T + t] = t;
  return idx;
}

function softmax(x: Float32Array): number[] {
  const mx = Math.max(...x);
  const e = [...x].map((v) => Math.exp(v - mx));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function named(names: readonly string[], w: readonly number[]): Record<string, number> {
  return Object.fromEntries(names.map((n, k) => [n, Number(w[k]!.toFixed(4))]));
}

/** Masked softmax over learned per-modality logits, as one (B·M) x 1 column. */
function modalityWeights(g: Graph, logits: Param, B: number, M: number, present: Uint8Array): Tensor {
  return g.groupSoftmax(g.gather(logits, repeatIndex(B, M)), M, present);
}

class Concat implements FusionStrategy {
  readonly name = 'concat';
  readonly params: Param[];
  private readonly w: Param;
  private readonly b: Param;
  constructor(M: number, d: number, rng: Rng) {
    this.w = new Param('fusion.concat.w', M * d, d, xavierUniform(M * d, d, rng));
    this.b = new Param('fusion.concat.b', 1, d, new Float32Array(d), false);
    this.params = [this.w, this.b];
  }
  forward(g: Graph, tokens: readonly Tensor[]): FusionOutput {
    return { fused: g.addBias(g.matmul(g.concatCols(tokens), this.w), this.b) };
  }
  describe(): Record<string, unknown> {
    return {};
  }
}

class Weighted implements FusionStrategy {
  readonly name = 'weighted';
  readonly params: Param[];
  readonly logits: Param;
  constructor(M: number) {
    this.logits = new Param('fusion.weighted.logits', M, 1, new Float32Array(M), false);
    this.params = [this.logits];
  }
  forward(g: Graph, tokens: readonly Tensor[], present: Uint8Array): FusionOutput {
    const M = tokens.length;
    const B = tokens[0]!.rows;
    const w = modalityWeights(g, this.logits, B, M, present);
    return { fused: g.weightedTokenSum(g.stackTokens(tokens), w, M), tokenWeights: w.data };
  }
  describe(names: readonly string[]): Record<string, unknown> {
    return { modalityWeights: named(names, softmax(this.logits.data)) };
  }
}

class GatedAttention implements FusionStrategy {
  readonly name = 'attention';
  readonly params: Param[];
  private readonly a: Param;
  private readonly ab: Param;
  private readonly q: Param;
  /** Mean attention weight of each modality over the last full pass (for reporting). */
  private lastMean: number[] | undefined;
  constructor(d: number, rng: Rng) {
    this.a = new Param('fusion.attention.a', d, d, xavierUniform(d, d, rng));
    this.ab = new Param('fusion.attention.b', 1, d, new Float32Array(d), false);
    this.q = new Param('fusion.attention.q', d, 1, xavierUniform(d, 1, rng));
    this.params = [this.a, this.ab, this.q];
  }
  forward(g: Graph, tokens: readonly Tensor[], present: Uint8Array): FusionOutput {
    const M = tokens.length;
    const B = tokens[0]!.rows;
    const stacked = g.stackTokens(tokens);
    const scores = g.matmul(g.tanh(g.addBias(g.matmul(stacked, this.a), this.ab)), this.q);
    const w = g.groupSoftmax(scores, M, present);
    if (!g.train) {
      const mean = new Array<number>(M).fill(0);
      const count = new Array<number>(M).fill(0);
      for (let b = 0; b < B; b++)
        for (let m = 0; m < M; m++)
          if (present[b * M + m]) {
            mean[m]! += w.data[b * M + m]!;
            count[m]!++;
          }
      this.lastMean = mean.map((s, m) => (count[m]! > 0 ? s / count[m]! : 0));
    }
    return { fused: g.weightedTokenSum(stacked, w, M), tokenWeights: w.data };
  }
  describe(names: readonly string[]): Record<string, unknown> {
    return this.lastMean ? { meanAttention: named(names, this.lastMean) } : {};
  }
}

interface EncoderLayer {
  ln1g: Param;
  ln1b: Param;
  wq: Param;
  wk: Param;
  wv: Param;
  wo: Param;
  ln2g: Param;
  ln2b: Param;
  w1: Param;
  b1: Param;
  w2: Param;
  b2: Param;
}

class TransformerFusion implements FusionStrategy {
  readonly name = 'transformer';
  readonly params: Param[] = [];
  private readonly summary: Param;
  private readonly modalityEmb: Param;
  private readonly logits: Param;
  private readonly layerLogits: Param;
  private readonly layers: EncoderLayer[] = [];
  constructor(
    M: number,
    private readonly d: number,
    nLayers: number,
    private readonly heads: number,
    rng: Rng,
  ) {
    const p = (name: string, rows: number, cols: number, data?: Float32Array, decay = true): Param => {
      const t = new Param(
        `fusion.transformer.${name}`,
        rows,
        cols,
        data ?? xavierUniform(rows, cols, rng),
        decay,
      );
      this.params.push(t);
      return t;
    };
    const scaled = (rows: number, cols: number, s: number): Float32Array =>
      xavierUniform(rows, cols, rng).map((v) => v * s);
    this.summary = p('summary', 1, d, scaled(1, d, 0.1), false);
    this.modalityEmb = p('modalityEmb', M, d, scaled(M, d, 0.1), false);
    this.logits = p('logits', M, 1, new Float32Array(M), false);
    this.layerLogits = p('layerLogits', nLayers + 1, 1, new Float32Array(nLayers + 1), false);
    const ones = () => new Float32Array(d).fill(1);
    for (let l = 0; l < nLayers; l++) {
      // residual branches start small so the stack begins near the weighted sum
      const r = 1 / Math.sqrt(2 * nLayers);
      this.layers.push({
        ln1g: p(`l${l}.ln1.g`, 1, d, ones(), false),
        ln1b: p(`l${l}.ln1.b`, 1, d, new Float32Array(d), false),
        wq: p(`l${l}.wq`, d, d),
        wk: p(`l${l}.wk`, d, d),
        wv: p(`l${l}.wv`, d, d),
        wo: p(`l${l}.wo`, d, d, scaled(d, d, r)),
        ln2g: p(`l${l}.ln2.g`, 1, d, ones(), false),
        ln2b: p(`l${l}.ln2.b`, 1, d, new Float32Array(d), false),
        w1: p(`l${l}.w1`, d, 2 * d),
        b1: p(`l${l}.b1`, 1, 2 * d, new Float32Array(2 * d), false),
        w2: p(`l${l}.w2`, 2 * d, d, scaled(2 * d, d, r)),
        b2: p(`l${l}.b2`, 1, d, new Float32Array(d), false),
      });
    }
  }

  forward(g: Graph, tokens: readonly Tensor[], present: Uint8Array, rng: Rng, dropout: number): FusionOutput {
    const M = tokens.length;
    const B = tokens[0]!.rows;
    const T = M + 1;
    const w = modalityWeights(g, this.logits, B, M, present);
    const stacked = g.stackTokens(tokens);
    const f0 = g.weightedTokenSum(stacked, w, M);
    // tokens scaled by M·w_m (1 each when the weights are uniform), plus modality embeddings
    const scaledTokens = g.mulRows(stacked, g.scale(w, M));
    const withPos = g.add(scaledTokens, g.gather(this.modalityEmb, repeatIndex(B, M)));
    const parts: Tensor[] = [g.gather(this.summary, new Int32Array(B))];
    for (let m = 0; m < M; m++) parts.push(g.token(withPos, M, m));
    let h = g.stackTokens(parts);
    const mask = new Uint8Array(B * T);
    for (let b = 0; b < B; b++) {
      mask[b * T] = 1;
      for (let m = 0; m < M; m++) mask[b * T + 1 + m] = present[b * M + m]!;
    }
    const outs: Tensor[] = [f0];
    for (const L of this.layers) {
      const x1 = g.layerNorm(h, L.ln1g, L.ln1b);
      const att = g.attention(
        g.matmul(x1, L.wq),
        g.matmul(x1, L.wk),
        g.matmul(x1, L.wv),
        T,
        this.heads,
        mask,
      );
      h = g.add(h, g.dropout(g.matmul(att, L.wo), dropout, rng));
      const x2 = g.layerNorm(h, L.ln2g, L.ln2b);
      const ff = g.addBias(g.matmul(g.gelu(g.addBias(g.matmul(x2, L.w1), L.b1)), L.w2), L.b2);
      h = g.add(h, g.dropout(ff, dropout, rng));
      outs.push(g.token(h, T, 0));
    }
    const K = outs.length;
    const beta = g.groupSoftmax(g.gather(this.layerLogits, repeatIndex(B, K)), K);
    return { fused: g.weightedTokenSum(g.stackTokens(outs), beta, K) };
  }

  describe(names: readonly string[]): Record<string, unknown> {
    const beta = softmax(this.layerLogits.data);
    return {
      modalityWeights: named(names, softmax(this.logits.data)),
      layerWeights: beta.map((v) => Number(v.toFixed(4))),
      width: this.d,
    };
  }
}

export function createStrategy(
  name: FusionStrategyName,
  M: number,
  d: number,
  options: { layers: number; heads: number },
  rng: Rng,
): FusionStrategy {
  switch (name) {
    case 'concat':
      return new Concat(M, d, rng);
    case 'weighted':
      return new Weighted(M);
    case 'attention':
      return new GatedAttention(d, rng);
    case 'transformer':
      return new TransformerFusion(M, d, options.layers, options.heads, rng);
  }
}

/** Re-exported for the tower (keeps one import site for the nn module). */
export { Graph, Tensor };
