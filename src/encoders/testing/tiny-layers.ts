/**
 * @module encoders/testing/tiny-layers
 * Graph pieces shared by the tiny random model generators: seeded weights, a transformer-shaped
 * text tower (token + position embeddings, residual MLP blocks that also mix a masked mean of
 * the sequence, so padding matters exactly as it does with attention), masked mean pooling and
 * linear projections; plus writing a model folder to disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataType, type GraphBuilder } from '../../onnx/writer.js';
import { Rng } from '../../util/rng.js';

/** `n` normal values with standard deviation `std`. */
export function randn(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** A fresh generator for one weight family, so adding a layer does not shift the others. */
export function rngFor(seed: number, salt: number): Rng {
  return new Rng((seed * 7919 + salt * 104729) | 0);
}

/** Writes the files of a model folder (JSON values are pretty-printed). */
export async function writeModelFolder(
  dir: string,
  files: Readonly<Record<string, Uint8Array | Record<string, unknown>>>,
): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content instanceof Uint8Array ? content : `${JSON.stringify(content, null, 1)}\n`);
  }
  return dir;
}

/** `x @ W (+ b)` with a fresh random W of shape [inDim, outDim]. */
export function linear(
  g: GraphBuilder,
  rng: Rng,
  name: string,
  x: string,
  inDim: number,
  outDim: number,
  output?: string,
): string {
  const w = g.init(`${name}.w`, [inDim, outDim], randn(rng, inDim * outDim, 1 / Math.sqrt(inDim)));
  const b = g.init(`${name}.b`, [outDim], randn(rng, outDim, 0.02));
  return g.node('Add', [g.node('MatMul', [x, w]), b], {}, output ? [output] : undefined);
}

/** Mean of `h` [B, S, H] over the positions where `maskF` [B, S, 1] is 1, kept as [B, 1, H]. */
export function maskedMean(g: GraphBuilder, h: string, maskF: string): string {
  const axes = g.ints(`axes1_${h}`, [1], [1]);
  const sum = g.node('ReduceSum', [g.node('Mul', [h, maskF]), axes], { keepdims: 1 });
  const count = g.node('ReduceSum', [maskF, axes], { keepdims: 1 });
  const one = g.init(`one_${h}`, [], Float32Array.of(1));
  return g.node('Div', [sum, g.node('Max', [count, one])]);
}

/**
 * One residual block: `h + W2 tanh(W1 h + Wc mean(h))`. Without a mask the mean runs over all
 * positions (vision patches). Returns the new hidden state (named `output` when given).
 */
export function residualBlock(
  g: GraphBuilder,
  rng: Rng,
  name: string,
  h: string,
  hidden: number,
  maskF: string | undefined,
  output?: string,
): string {
  const ctx = maskF
    ? maskedMean(g, h, maskF)
    : g.node('ReduceMean', [h], { axes: { ints: [1] }, keepdims: 1 });
  const inner = hidden * 2;
  const pre = g.node('Add', [
    linear(g, rng, `${name}.fc1`, h, hidden, inner),
    linear(g, rng, `${name}.ctx`, ctx, hidden, inner),
  ]);
  const out = linear(g, rng, `${name}.fc2`, g.node('Tanh', [pre]), inner, hidden);
  return g.node('Add', [h, out], {}, output ? [output] : undefined);
}

/** Options of {@link textTower}. */
export interface TextTowerOptions {
  vocabSize: number;
  hidden: number;
  layers: number;
  /** Rows of the position table (the tokenizer's model_max_length). */
  maxLength: number;
  /** Whether the graph takes `token_type_ids` (BERT) as a third input. */
  tokenTypes: boolean;
  /** Whether every layer's hidden state is a graph output `hidden_states.<k>` (k = 0 embeddings). */
  hiddenStates: boolean;
  seed: number;
}

/**
 * Declares inputs `input_ids`, `attention_mask` (and `token_type_ids`) [batch, seq] int64, and
 * builds embeddings plus `layers` residual blocks. Returns the last hidden state [B, S, H] and the
 * float mask [B, S, 1].
 */
export function textTower(g: GraphBuilder, o: TextTowerOptions): { last: string; maskF: string } {
  const rng = rngFor(o.seed, 1);
  const seqDims = ['batch_size', 'sequence_length'];
  g.input('input_ids', DataType.INT64, seqDims);
  g.input('attention_mask', DataType.INT64, seqDims);
  const word = g.init('emb.word', [o.vocabSize, o.hidden], randn(rng, o.vocabSize * o.hidden, 0.5));
  const pos = g.init('emb.pos', [o.maxLength, o.hidden], randn(rng, o.maxLength * o.hidden, 0.1));
  const zero = g.ints('c.zero', [], [0]);
  const one = g.ints('c.one', [], [1]);
  const seqLen = g.node('Gather', [g.node('Shape', ['input_ids']), one], { axis: 0 });
  const posEmb = g.node('Gather', [pos, g.node('Range', [zero, seqLen, one])], { axis: 0 });
  let h = g.node('Add', [g.node('Gather', [word, 'input_ids'], { axis: 0 }), posEmb]);
  if (o.tokenTypes) {
    g.input('token_type_ids', DataType.INT64, seqDims);
    const type = g.init('emb.type', [2, o.hidden], randn(rng, 2 * o.hidden, 0.1));
    h = g.node('Add', [h, g.node('Gather', [type, 'token_type_ids'], { axis: 0 })]);
  }
  const lastAxis = g.ints('c.axes_last', [1], [-1]);
  const maskF = g.node('Cast', [g.node('Unsqueeze', ['attention_mask', lastAxis])], { to: DataType.FLOAT });
  const stateDims = ['batch_size', 'sequence_length', o.hidden];
  if (o.hiddenStates) {
    h = g.node('Identity', [h], {}, ['hidden_states.0']);
    g.output(h, DataType.FLOAT, stateDims);
  }
  for (let l = 0; l < o.layers; l++) {
    const name = o.hiddenStates ? `hidden_states.${l + 1}` : undefined;
    h = residualBlock(g, rngFor(o.seed, 10 + l), `layer${l}`, h, o.hidden, maskF, name);
    if (name) g.output(name, DataType.FLOAT, stateDims);
  }
  return { last: h, maskF };
}
