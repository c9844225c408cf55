/**
 * @module encoders/audio/clap
 * CLAP audio and text encoders through transformers.js (default Xenova/clap-htsat-unfused): both
 * towers project into one space (text→sound search). Audio is a WAV file (`item.path` or
 * `item.bytes`) decoded and mixed to mono by ./decode.ts (the MFCC encoder's decoder: WAV, and
 * MP3/OGG/FLAC through audio-decode), cropped to the window the model sees (the centre, so the
 * result is deterministic; the feature extractor would otherwise pick a random crop), resampled to
 * the model's rate (48 kHz for CLAP) by ./resample.ts, and turned into log-mel features by the
 * model's ClapFeatureExtractor. transformers.js `read_audio` needs the browser's AudioContext, so
 * it is not used. A corrupt, empty or unsupported file fails that item only.
 */
import { InvalidArgumentError, NotSupportedError } from '../../errors.js';
import type { Encoder, EncoderInput } from '../encoder.js';
import { dtypeSuffix, type HfLoadOptions, loadAudioPreprocessor, loadTower } from '../hf.js';
import {
  createProjectedTextEncoder,
  encodeMediaBatch,
  type MediaBatchSpec,
  projectionDim,
  readMediaBytes,
} from '../image/clip.js';
import { decodeToMono, type MonoAudio } from './decode.js';
import { resample } from './resample.js';

/** Options of {@link createClapAudioEncoder}. */
export interface ClapAudioOptions extends HfLoadOptions {
  /** Model id: a folder under FUSIONREC_MODEL_DIR or a hub id (default 'Xenova/clap-htsat-unfused'). */
  model?: string;
  /** L2-normalise each vector (default true). */
  normalize?: boolean;
  /** Clips per model call (default 8). */
  batchSize?: number;
}

/** Options of {@link createClapTextEncoder}. */
export interface ClapTextOptions extends HfLoadOptions {
  /** Model id (default 'Xenova/clap-htsat-unfused'); use the audio encoder's model to share its space. */
  model?: string;
  /** L2-normalise each vector (default true). */
  normalize?: boolean;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Truncate to this many tokens (default: the tokenizer's model_max_length). */
  maxLength?: number;
}

const DEFAULT_CLAP = 'Xenova/clap-htsat-unfused';

/**
 * The centre `maxSamples` (at `targetRate`) of a clip, resampled to `targetRate`. Shorter clips
 * are only resampled (the feature extractor pads them).
 */
export function fitToModel(audio: MonoAudio, targetRate: number, maxSamples: number): Float32Array {
  const { sampleRate } = audio;
  const need = Math.ceil((maxSamples * sampleRate) / targetRate);
  let { samples } = audio;
  if (samples.length > need) {
    const start = Math.floor((samples.length - need) / 2);
    samples = samples.subarray(start, start + need);
  }
  const out = resample(samples, sampleRate, targetRate);
  return out.length > maxSamples ? out.subarray(0, maxSamples) : out;
}

/**
 * Loads a CLAP audio encoder (kind 'audio', id `clap-audio:<model>:norm|raw`). Throws
 * NotFoundError when the model is neither in FUSIONREC_MODEL_DIR nor downloadable, and
 * NotSupportedError for "fused" CLAP models (transformers.js has no fusion truncation).
 */
export async function createClapAudioEncoder(options: ClapAudioOptions = {}): Promise<Encoder> {
  const model = options.model ?? DEFAULT_CLAP;
  const normalize = options.normalize ?? true;
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const extractor = await loadAudioPreprocessor(model);
  if (extractor.config.truncation === 'fusion') {
    throw new NotSupportedError(
      `model "${model}" uses CLAP "fusion" truncation, which transformers.js does not implement; use an unfused CLAP such as ${DEFAULT_CLAP}`,
    );
  }
  if (!(extractor.samplingRate > 0 && extractor.maxSamples > 0)) {
    throw new NotSupportedError(
      `model "${model}": preprocessor_config.json lacks sampling_rate / nb_max_samples`,
    );
  }
  const tower = await loadTower(model, 'clap-audio', options);
  const dims = await projectionDim(tower);
  const spec: MediaBatchSpec = {
    tower,
    output: 'audio_embeds',
    dims,
    batchSize,
    normalize,
    async prepare(item: EncoderInput) {
      const audio = await decodeToMono(await readMediaBytes(item, 'audio'));
      if (audio.samples.length === 0) throw new Error('the audio has no samples');
      return extractor.extract(fitToModel(audio, extractor.samplingRate, extractor.maxSamples));
    },
  };
  return {
    id: `clap-audio:${model}:${normalize ? 'norm' : 'raw'}${dtypeSuffix(options)}`,
    kind: 'audio',
    dims,
    encode: (batch) => encodeMediaBatch(batch, spec),
    async dispose() {
      await tower.dispose();
    },
  };
}

/** Loads a CLAP text encoder (kind 'text', id `clap-text:<model>:norm|raw`), in the audio encoder's space. */
export async function createClapTextEncoder(options: ClapTextOptions = {}): Promise<Encoder> {
  return createProjectedTextEncoder('clap-text', options.model ?? DEFAULT_CLAP, options);
}
