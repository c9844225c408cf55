/**
 * @module encoders/hf
 * The one module that imports @huggingface/transformers (transformers.js v4). It applies the
 * runtime settings of {@link fusionrecEnv} to transformers.js, finds a model (a local folder
 * `<modelDir>/<model id>/` first, the hub only when downloads are allowed), loads tokenizers,
 * ONNX towers and pre-processors with modest ONNX thread counts, and hides transformers.js
 * tensors behind small typed helpers. Encoders never touch transformers.js directly.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  AutoFeatureExtractor,
  AutoImageProcessor,
  AutoModel,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  ClapAudioModelWithProjection,
  ClapTextModelWithProjection,
  cat,
  env,
  LogLevel,
  RawImage,
  type Tensor,
} from '@huggingface/transformers';
import { fusionrecEnv } from '../config/runtime.js';
import { describeError, MismatchError, NotFoundError } from '../errors.js';

/** Which ONNX tower of a model to load (each has its own file under `onnx/`). */
export type TowerKind = 'feature-extraction' | 'clip-text' | 'clip-vision' | 'clap-text' | 'clap-audio';

/** ONNX file (without `.onnx`) and model class transformers.js uses for each tower. */
const TOWERS = {
  'feature-extraction': { file: 'model', cls: AutoModel },
  'clip-text': { file: 'text_model', cls: CLIPTextModelWithProjection },
  'clip-vision': { file: 'vision_model', cls: CLIPVisionModelWithProjection },
  'clap-text': { file: 'text_model', cls: ClapTextModelWithProjection },
  'clap-audio': { file: 'audio_model', cls: ClapAudioModelWithProjection },
} as const;

/** A float32 model output: `dims` and row-major data. */
export type FloatTensor = { dims: number[]; data: Float32Array };

/** Model inputs prepared by a tokenizer or pre-processor (opaque outside this module): `batch` rows. */
export type Prepared = { readonly batch: number };
type PreparedImpl = Prepared & { feeds: Record<string, Tensor> };

/** Options shared by all loaders. */
export interface HfLoadOptions {
  /** ONNX Runtime intra-op threads (default {@link defaultThreads}). */
  threads?: number;
  /**
   * Weights to load: 'fp32' (default, `onnx/<name>.onnx`) or a quantised variant ('q8' →
   * `<name>_quantized.onnx`, 'int8', 'uint8', 'q4'). Changes the vectors, so it is part of the id.
   */
  dtype?: 'fp32' | 'q8' | 'int8' | 'uint8' | 'q4';
}

/** The id suffix for a non-default dtype (`:q8`), empty for fp32. */
export function dtypeSuffix(options: HfLoadOptions): string {
  return options.dtype && options.dtype !== 'fp32' ? `:${options.dtype}` : '';
}

/** Default ONNX threads: half the cores, at least 1, at most 4 (1 on a 2-core machine). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
}

/** Where a model is loaded from: `source` is the local folder's absolute path, or the hub id. */
export type ModelSource = { model: string; source: string; local: boolean };

/**
 * Applies fusionrecEnv() to transformers.js and finds `model`. Offline: `<modelDir>/<model>/`
 * (passed as an absolute path, so loads from other model dirs cannot race), else an earlier
 * download in `<cacheDir>/<model>/`, else NotFoundError. With downloads allowed, a hub id goes
 * to transformers.js, which reads its cache and `<modelDir>/<model>/` first and fetches the rest.
 */
export function locateModel(model: string): ModelSource {
  const settings = fusionrecEnv();
  Object.assign(env, {
    allowLocalModels: true,
    allowRemoteModels: settings.allowRemoteModels,
    localModelPath: settings.modelDir,
    cacheDir: settings.cacheDir,
    logLevel: LogLevel.ERROR,
  });
  const dir = join(settings.modelDir, model);
  const here = existsSync(join(dir, 'config.json'));
  if (settings.allowRemoteModels && (!here || /^[\w.-]+(\/[\w.-]+)?$/.test(model))) {
    return { model, source: model, local: false };
  }
  if (here) return { model, source: dir, local: true };
  const cached = join(settings.cacheDir, model);
  if (existsSync(join(cached, 'config.json'))) return { model, source: cached, local: true };
  throw new NotFoundError(
    `model "${model}" is not in ${settings.modelDir}; put the model folder there (see docs/MODELS.md) or allow downloads with FUSIONREC_ALLOW_REMOTE=1`,
  );
}

async function loading<T>(where: ModelSource, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const place = where.local ? `folder ${where.source}` : `the hub (cache ${fusionrecEnv().cacheDir})`;
    throw new NotFoundError(`model "${where.model}": cannot load its ${what} from ${place}`, { cause: err });
  }
}

const pretrainedOptions = () => ({ cache_dir: fusionrecEnv().cacheDir });

/** A loaded ONNX tower: run it on prepared inputs and get every graph output as float32. */
export interface Tower {
  readonly where: ModelSource;
  /** The model's config.json. */
  readonly config: Record<string, unknown>;
  readonly outputNames: readonly string[];
  run(inputs: Prepared): Promise<Record<string, FloatTensor>>;
  dispose(): Promise<void>;
}

/** Loads one tower of a model (see {@link TowerKind}) on the CPU, fp32. */
export async function loadTower(model: string, kind: TowerKind, options: HfLoadOptions = {}): Promise<Tower> {
  const where = locateModel(model);
  const spec = TOWERS[kind];
  const threads = options.threads ?? defaultThreads();
  const suffix = { fp32: '', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4' }[
    options.dtype ?? 'fp32'
  ];
  const loaded = await loading(where, `onnx/${spec.file}${suffix}.onnx`, () =>
    spec.cls.from_pretrained(where.source, {
      ...pretrainedOptions(),
      model_file_name: spec.file,
      device: 'cpu',
      dtype: options.dtype ?? 'fp32',
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
    }),
  );
  const session = (loaded.sessions as Record<string, { inputNames: string[]; outputNames: string[] }>).model!;
  const call = loaded as unknown as (feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>>;
  return {
    where,
    config: loaded.config as unknown as Record<string, unknown>,
    outputNames: session.outputNames,
    async run(inputs) {
      const { feeds } = inputs as PreparedImpl;
      const picked: Record<string, Tensor> = {};
      for (const name of session.inputNames) if (feeds[name]) picked[name] = feeds[name];
      const out = await call(picked);
      const result: Record<string, FloatTensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (t.data instanceof Float32Array) result[name] = { dims: [...t.dims], data: t.data };
      }
      return result;
    },
    async dispose() {
      await loaded.dispose();
    },
  };
}

/** Tokenised texts: model inputs plus the ids and attention mask, both [batch, seqLen] row-major. */
export interface TokenizedBatch extends Prepared {
  ids: BigInt64Array;
  mask: BigInt64Array;
  seqLen: number;
}

/** A tokenizer: texts → padded, truncated model inputs plus the attention mask. */
export interface Tokenizer {
  /** model_max_length of the tokenizer. */
  readonly maxLength: number;
  tokenize(texts: readonly string[], maxLength?: number): TokenizedBatch;
}

/** Loads a model's tokenizer (tokenizer.json + tokenizer_config.json). */
export async function loadTokenizer(model: string): Promise<Tokenizer> {
  const where = locateModel(model);
  const tok = await loading(where, 'tokenizer', () =>
    AutoTokenizer.from_pretrained(where.source, pretrainedOptions()),
  );
  const call = tok as unknown as (texts: string[], o: object) => Record<string, Tensor>;
  return {
    maxLength: tok.model_max_length,
    tokenize(texts, maxLength) {
      const feeds = call([...texts], { padding: true, truncation: true, max_length: maxLength });
      const mask = feeds.attention_mask!;
      const impl: PreparedImpl & TokenizedBatch = {
        batch: texts.length,
        feeds,
        ids: feeds.input_ids!.data as BigInt64Array,
        mask: mask.data as BigInt64Array,
        seqLen: mask.dims[1] ?? 0,
      };
      return impl;
    },
  };
}

/** Pre-processes one encoded image file (PNG, JPEG, WebP, …) into model inputs. */
export type ImagePreprocessor = (bytes: Uint8Array) => Promise<Prepared>;

/** Loads a model's image processor (preprocessor_config.json); decoding uses sharp. */
export async function loadImagePreprocessor(model: string): Promise<ImagePreprocessor> {
  const where = locateModel(model);
  const proc = await loading(where, 'preprocessor_config.json', () =>
    AutoImageProcessor.from_pretrained(where.source, pretrainedOptions()),
  );
  const call = proc as unknown as (img: RawImage) => Promise<Record<string, Tensor>>;
  return async (bytes) => {
    const image = await RawImage.fromBlob(new Blob([new Uint8Array(bytes)]));
    const { pixel_values } = await call(image);
    if (!pixel_values) throw new MismatchError('image processor returned no pixel_values');
    const impl: PreparedImpl = { batch: 1, feeds: { pixel_values } };
    return impl;
  };
}

/** An audio feature extractor: mono waveform at `samplingRate` → model inputs. */
export interface AudioPreprocessor {
  readonly samplingRate: number;
  /** Longest waveform the model sees (samples); longer ones must be cropped by the caller. */
  readonly maxSamples: number;
  /** The extractor's preprocessor_config.json. */
  readonly config: Record<string, unknown>;
  extract(wave: Float32Array): Promise<Prepared>;
}

/** Loads a model's audio feature extractor (e.g. ClapFeatureExtractor). */
export async function loadAudioPreprocessor(model: string): Promise<AudioPreprocessor> {
  const where = locateModel(model);
  const fe = await loading(where, 'preprocessor_config.json', () =>
    AutoFeatureExtractor.from_pretrained(where.source, pretrainedOptions()),
  );
  const config = fe.config as Record<string, unknown>;
  const call = fe as unknown as (wave: Float32Array) => Promise<Record<string, Tensor>>;
  const samplingRate = Number(config.sampling_rate);
  return {
    samplingRate,
    maxSamples: Number(config.nb_max_samples ?? samplingRate * Number(config.max_length_s ?? 10)),
    config,
    async extract(wave) {
      const feeds = await call(wave);
      const impl: PreparedImpl = { batch: 1, feeds };
      return impl;
    },
  };
}

/** Concatenates prepared single items (same shapes) into one batch. */
export function concatPrepared(items: readonly Prepared[]): Prepared {
  const parts = items as readonly PreparedImpl[];
  const first = parts[0];
  if (!first) throw new MismatchError('concatPrepared: no inputs');
  const feeds: Record<string, Tensor> = {};
  for (const name of Object.keys(first.feeds)) feeds[name] = cat(parts.map((p) => p.feeds[name]!));
  const impl: PreparedImpl = { batch: parts.reduce((s, p) => s + p.batch, 0), feeds };
  return impl;
}

/** One output of a tower as float32, or a clear error naming the outputs it does have. */
export function requireOutput(tower: Tower, out: Record<string, FloatTensor>, name: string): FloatTensor {
  const t = out[name];
  if (!t) {
    throw new MismatchError(
      `model "${tower.where.model}" has no output "${name}" (it has: ${tower.outputNames.join(', ')})`,
    );
  }
  return t;
}

/**
 * Runs `work` on chunks of `indices`. A chunk that throws is retried item by item, and an item that
 * still throws goes to `fail` (so one bad item cannot fail its neighbours). A MismatchError means
 * the model itself is wrong, not an item: it is rethrown.
 */
export async function runInChunks(
  indices: readonly number[],
  size: number,
  work: (chunk: readonly number[]) => Promise<void>,
  fail: (index: number, message: string) => void,
): Promise<void> {
  const attempt = async (chunk: readonly number[]) => {
    try {
      await work(chunk);
    } catch (err) {
      if (err instanceof MismatchError) throw err;
      if (chunk.length === 1) fail(chunk[0]!, describeError(err));
      else for (const i of chunk) await attempt([i]);
    }
  };
  for (let s = 0; s < indices.length; s += size) await attempt(indices.slice(s, s + size));
}
