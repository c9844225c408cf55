/**
 * @module encoders/text/transformer
 * Sentence embeddings from a pretrained transformer (default Xenova/all-MiniLM-L6-v2) through
 * transformers.js: tokenise, run the ONNX model, pool the last hidden state over the attention
 * mask (mean, or the first token for `cls`), optionally L2-normalise.
 *
 * With `allLayers: true`, {@link TransformerTextEncoder.encodeLayers} also returns every layer's
 * hidden state, pooled the same way, so the fusion stage can learn per-layer weights Σ_k w_k f_k.
 * transformers.js v4 has no `output_hidden_states` switch: a model call returns exactly the ONNX
 * graph's outputs. So the model's ONNX file must output `hidden_states.<k>` (k = 0 for the
 * embeddings … num_hidden_layers) next to `last_hidden_state`; docs/MODELS.md shows how to export
 * or patch one. The tiny test model (encoders/testing/tiny-bert) does.
 */

import { InvalidArgumentError, MismatchError, NotSupportedError } from '../../errors.js';
import {
  type EncodeResult,
  type Encoder,
  type EncoderInput,
  emptyResult,
  l2NormalizeRows,
} from '../encoder.js';
import {
  dtypeSuffix,
  type FloatTensor,
  type HfLoadOptions,
  loadTokenizer,
  loadTower,
  requireOutput,
  runInChunks,
} from '../hf.js';

/** Options of {@link createTransformerTextEncoder}. */
export interface TransformerTextOptions extends HfLoadOptions {
  /** Model id: a folder under FUSIONREC_MODEL_DIR or a hub id (default 'Xenova/all-MiniLM-L6-v2'). */
  model?: string;
  /** 'mean' over non-padding tokens (default) or the first ('[CLS]') token. */
  pooling?: 'mean' | 'cls';
  /** L2-normalise each vector (default true). */
  normalize?: boolean;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Truncate to this many tokens (default: the tokenizer's model_max_length). */
  maxLength?: number;
  /** Also enable {@link TransformerTextEncoder.encodeLayers} (the model must output hidden states). */
  allLayers?: boolean;
}

/** Per-layer pooled vectors of a batch. */
export interface LayerEncodeResult {
  /** Number of layers L (embeddings + each block). */
  layers: number;
  /** batch x layers x dims, row-major; rows of failed inputs are zero. */
  vectors: Float32Array;
  ok: Uint8Array;
  errors: (string | undefined)[];
}

/** A transformer text encoder; `encodeLayers` works when created with `allLayers: true`. */
export interface TransformerTextEncoder extends Encoder {
  readonly kind: 'text';
  /** Number of hidden-state layers encodeLayers returns (0 without `allLayers`). */
  readonly layers: number;
  encodeLayers(batch: readonly EncoderInput[]): Promise<LayerEncodeResult>;
}

const HIDDEN_STATE = /^hidden_states[._]?(\d+)$/;

/** Pools row `b` of a [batch, seq, dims] hidden state into `out` at `at`. */
function pool(
  t: FloatTensor,
  b: number,
  mask: BigInt64Array,
  mode: 'mean' | 'cls',
  out: Float32Array,
  at: number,
) {
  const [, seq = 0, dims = 0] = t.dims;
  const base = b * seq * dims;
  if (mode === 'cls') {
    out.set(t.data.subarray(base, base + dims), at);
    return;
  }
  let count = 0;
  for (let s = 0; s < seq; s++) {
    if (mask[b * seq + s] === 0n) continue;
    count++;
    const row = base + s * dims;
    for (let d = 0; d < dims; d++) out[at + d]! += t.data[row + d]!;
  }
  if (count > 0) for (let d = 0; d < dims; d++) out[at + d]! /= count;
}

/**
 * Loads a transformer sentence encoder. Throws NotFoundError when the model is neither in
 * FUSIONREC_MODEL_DIR nor downloadable, NotSupportedError when `allLayers` is asked of a model
 * whose ONNX graph does not output hidden states.
 */
export async function createTransformerTextEncoder(
  options: TransformerTextOptions = {},
): Promise<TransformerTextEncoder> {
  const model = options.model ?? 'Xenova/all-MiniLM-L6-v2';
  const pooling = options.pooling ?? 'mean';
  const normalize = options.normalize ?? true;
  const batchSize = options.batchSize ?? 32;
  const { maxLength } = options;
  if (pooling !== 'mean' && pooling !== 'cls') {
    throw new InvalidArgumentError(`pooling must be "mean" or "cls", got "${String(pooling)}"`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 2)) {
    throw new InvalidArgumentError(`maxLength must be an integer >= 2 (tokens), got ${maxLength}`);
  }
  const tokenizer = await loadTokenizer(model);
  const tower = await loadTower(model, 'feature-extraction', options);
  const stateNames = tower.outputNames
    .filter((n) => HIDDEN_STATE.test(n))
    .sort((a, b) => Number(HIDDEN_STATE.exec(a)?.[1]) - Number(HIDDEN_STATE.exec(b)?.[1]));
  if (options.allLayers && stateNames.length === 0) {
    await tower.dispose();
    throw new NotSupportedError(
      `model "${model}" does not output hidden states (outputs: ${tower.outputNames.join(', ')}); allLayers needs an ONNX export with hidden_states.<k> outputs, see docs/MODELS.md`,
    );
  }
  const layers = options.allLayers ? stateNames.length : 0;
  const dims = Number(tower.config.hidden_size);
  if (!Number.isInteger(dims) || dims <= 0) {
    await tower.dispose();
    throw new MismatchError(`model "${model}": config.json has no valid hidden_size`);
  }
  const id = `transformer:${model}:${pooling}:${normalize ? 'norm' : 'raw'}${maxLength ? `:max=${maxLength}` : ''}${dtypeSuffix(options)}`;

  /** Encodes `batch`, pooling each of `outputs` into slot k of a batch x outputs.length x dims array. */
  async function run(batch: readonly EncoderInput[], outputs: readonly string[]) {
    const n = batch.length;
    const width = outputs.length * dims;
    const res = emptyResult(n, width);
    const valid: number[] = [];
    batch.forEach((item, i) => {
      if (typeof item.text !== 'string') res.errors[i] = `item "${item.id}": no text`;
      else if (item.text.trim() === '') res.errors[i] = `item "${item.id}": empty text`;
      else valid.push(i);
    });
    await runInChunks(
      valid,
      batchSize,
      async (chunk) => {
        const inputs = tokenizer.tokenize(
          chunk.map((i) => batch[i]!.text!),
          maxLength,
        );
        const out = await tower.run(inputs);
        const vectors = new Float32Array(chunk.length * width);
        outputs.forEach((name, k) => {
          const t = requireOutput(tower, out, name);
          if (t.dims[2] !== dims)
            throw new MismatchError(`output ${name} has ${t.dims[2]} dims, expected ${dims}`);
          for (let b = 0; b < chunk.length; b++)
            pool(t, b, inputs.mask, pooling, vectors, b * width + k * dims);
        });
        if (normalize) l2NormalizeRows(vectors, dims);
        chunk.forEach((i, b) => {
          res.vectors.set(vectors.subarray(b * width, (b + 1) * width), i * width);
          res.ok[i] = 1;
        });
      },
      (i, message) => {
        res.errors[i] = `item "${batch[i]!.id}": ${message}`;
      },
    );
    return res;
  }

  return {
    id,
    kind: 'text',
    dims,
    layers,
    async encode(batch): Promise<EncodeResult> {
      return run(batch, ['last_hidden_state']);
    },
    async encodeLayers(batch): Promise<LayerEncodeResult> {
      if (layers === 0) {
        throw new InvalidArgumentError(
          `encoder ${id} was created without allLayers: true; encodeLayers needs it`,
        );
      }
      const { vectors, ok, errors } = await run(batch, stateNames);
      return { layers, vectors, ok, errors };
    },
    async dispose() {
      await tower.dispose();
    },
  };
}
