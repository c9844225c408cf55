/**
 * @module encoders/image/clip
 * CLIP image and text encoders through transformers.js (default Xenova/clip-vit-base-patch32):
 * both towers project into one space, so a text vector can search image vectors. Images are
 * read from `item.path` or `item.bytes`, decoded by sharp, resized/cropped/normalised by the
 * model's CLIPImageProcessor; an unreadable or corrupt file fails that item only.
 *
 * Also exports the two helpers the CLAP encoders share: {@link encodeMediaBatch} (per-item
 * preparation, batched model calls) and {@link createProjectedTextEncoder} (a tower with a
 * `text_embeds` output).
 */
import { readFile } from 'node:fs/promises';
import { describeError, InvalidArgumentError, MismatchError } from '../../errors.js';
import {
  type EncodeResult,
  type Encoder,
  type EncoderInput,
  emptyResult,
  l2NormalizeRows,
} from '../encoder.js';
import {
  concatPrepared,
  dtypeSuffix,
  type HfLoadOptions,
  loadImagePreprocessor,
  loadTokenizer,
  loadTower,
  type Prepared,
  requireOutput,
  runInChunks,
  type Tower,
  type TowerKind,
} from '../hf.js';

/** Options of {@link createClipImageEncoder}. */
export interface ClipImageOptions extends HfLoadOptions {
  /** Model id: a folder under FUSIONREC_MODEL_DIR or a hub id (default 'Xenova/clip-vit-base-patch32'). */
  model?: string;
  /** L2-normalise each vector (default true). */
  normalize?: boolean;
  /** Images per model call (default 16). */
  batchSize?: number;
}

/** Options of {@link createClipTextEncoder}. */
export interface ClipTextOptions extends HfLoadOptions {
  /** Model id (default 'Xenova/clip-vit-base-patch32'); use the image encoder's model to share its space. */
  model?: string;
  /** L2-normalise each vector (default true). */
  normalize?: boolean;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Truncate to this many tokens (default: the tokenizer's model_max_length, 77 for CLIP). */
  maxLength?: number;
}

const DEFAULT_CLIP = 'Xenova/clip-vit-base-patch32';

/** The bytes of an item's media file: `bytes` when given, else the file at `path`. */
export async function readMediaBytes(item: EncoderInput, what: string): Promise<Uint8Array> {
  if (item.bytes) return item.bytes;
  if (item.path) return readFile(item.path);
  throw new Error(`no ${what} (neither path nor bytes)`);
}

/** The projection size of a CLIP/CLAP model (config.projection_dim); disposes the tower if it has none. */
export async function projectionDim(tower: Tower): Promise<number> {
  const dims = Number(tower.config.projection_dim);
  if (!Number.isInteger(dims) || dims <= 0) {
    await tower.dispose();
    throw new MismatchError(`model "${tower.where.model}": config.json has no valid projection_dim`);
  }
  return dims;
}

/** What {@link encodeMediaBatch} needs to know about one media encoder. */
export interface MediaBatchSpec {
  tower: Tower;
  /** Graph output holding the vectors, e.g. "image_embeds". */
  output: string;
  dims: number;
  batchSize: number;
  normalize: boolean;
  /** Turns one item into model inputs; throws for an unreadable item. */
  prepare(item: EncoderInput): Promise<Prepared>;
}

/**
 * Encodes a batch of media items: each chunk of `batchSize` items is prepared one by one (a
 * failure marks that item only), then run through the tower in one call.
 */
export async function encodeMediaBatch(
  batch: readonly EncoderInput[],
  spec: MediaBatchSpec,
): Promise<EncodeResult> {
  const { dims } = spec;
  const res = emptyResult(batch.length, dims);
  for (let start = 0; start < batch.length; start += spec.batchSize) {
    const prepared = new Map<number, Prepared>();
    for (let i = start; i < Math.min(batch.length, start + spec.batchSize); i++) {
      try {
        prepared.set(i, await spec.prepare(batch[i]!));
      } catch (err) {
        res.errors[i] =
          `item "${batch[i]!.id}"${batch[i]!.path ? ` (${batch[i]!.path})` : ''}: ${describeError(err)}`;
      }
    }
    await runInChunks(
      [...prepared.keys()],
      spec.batchSize,
      async (chunk) => {
        const out = await spec.tower.run(concatPrepared(chunk.map((i) => prepared.get(i)!)));
        const t = requireOutput(spec.tower, out, spec.output);
        if (t.dims[1] !== dims || t.dims[0] !== chunk.length) {
          throw new MismatchError(
            `output ${spec.output} is [${t.dims}], expected [${chunk.length}, ${dims}]`,
          );
        }
        const vectors = t.data.slice(0, chunk.length * dims);
        if (spec.normalize) l2NormalizeRows(vectors, dims);
        chunk.forEach((i, b) => {
          res.vectors.set(vectors.subarray(b * dims, (b + 1) * dims), i * dims);
          res.ok[i] = 1;
        });
      },
      (i, message) => {
        res.errors[i] = `item "${batch[i]!.id}": ${message}`;
      },
    );
  }
  return res;
}

/** Options of {@link createProjectedTextEncoder}. */
export interface ProjectedTextOptions extends HfLoadOptions {
  normalize?: boolean;
  batchSize?: number;
  maxLength?: number;
}

/**
 * A text encoder over a text tower with a `text_embeds` output (CLIP, CLAP). The id is
 * `<idPrefix>:<model>:norm|raw[:max=N]`.
 */
export async function createProjectedTextEncoder(
  kind: Extract<TowerKind, 'clip-text' | 'clap-text'>,
  model: string,
  options: ProjectedTextOptions = {},
): Promise<Encoder> {
  const normalize = options.normalize ?? true;
  const batchSize = options.batchSize ?? 32;
  const { maxLength } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || (maxLength !== undefined && !(maxLength >= 2))) {
    throw new InvalidArgumentError(
      `batchSize must be >= 1 and maxLength >= 2, got ${batchSize} and ${maxLength}`,
    );
  }
  const tokenizer = await loadTokenizer(model);
  const tower = await loadTower(model, kind, options);
  const dims = await projectionDim(tower);
  return {
    id: `${kind}:${model}:${normalize ? 'norm' : 'raw'}${maxLength ? `:max=${maxLength}` : ''}${dtypeSuffix(options)}`,
    kind: 'text',
    dims,
    async encode(batch) {
      const res = emptyResult(batch.length, dims);
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
          const out = await tower.run(
            tokenizer.tokenize(
              chunk.map((i) => batch[i]!.text!),
              maxLength,
            ),
          );
          const t = requireOutput(tower, out, 'text_embeds');
          if (t.dims[1] !== dims)
            throw new MismatchError(`output text_embeds is [${t.dims}], expected [n, ${dims}]`);
          const vectors = t.data.slice(0, chunk.length * dims);
          if (normalize) l2NormalizeRows(vectors, dims);
          chunk.forEach((i, b) => {
            res.vectors.set(vectors.subarray(b * dims, (b + 1) * dims), i * dims);
            res.ok[i] = 1;
          });
        },
        (i, message) => {
          res.errors[i] = `item "${batch[i]!.id}": ${message}`;
        },
      );
      return res;
    },
    async dispose() {
      await tower.dispose();
    },
  };
}

/**
 * Loads a CLIP image encoder (kind 'image', id `clip-image:<model>:norm|raw`). Throws
 * NotFoundError when the model is neither in FUSIONREC_MODEL_DIR nor downloadable.
 */
export async function createClipImageEncoder(options: ClipImageOptions = {}): Promise<Encoder> {
  const model = options.model ?? DEFAULT_CLIP;
  const normalize = options.normalize ?? true;
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const preprocess = await loadImagePreprocessor(model);
  const tower = await loadTower(model, 'clip-vision', options);
  const dims = await projectionDim(tower);
  const spec: MediaBatchSpec = {
    tower,
    output: 'image_embeds',
    dims,
    batchSize,
    normalize,
    prepare: async (item) => preprocess(await readMediaBytes(item, 'image')),
  };
  return {
    id: `clip-image:${model}:${normalize ? 'norm' : 'raw'}${dtypeSuffix(options)}`,
    kind: 'image',
    dims,
    encode: (batch) => encodeMediaBatch(batch, spec),
    async dispose() {
      await tower.dispose();
    },
  };
}

/** Loads a CLIP text encoder (kind 'text', id `clip-text:<model>:norm|raw`), in the image encoder's space. */
export async function createClipTextEncoder(options: ClipTextOptions = {}): Promise<Encoder> {
  return createProjectedTextEncoder('clip-text', options.model ?? DEFAULT_CLIP, options);
}
