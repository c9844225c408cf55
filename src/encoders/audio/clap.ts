/**
 * @module encoders/audio/clap
 * CLAP audio and text encoders through transformers.js (default Xenova/clap-htsat-unfused): both
 * towers project into one space (text→sound search). Audio is a WAV file (`item.path` or
 * `item.bytes`) parsed with wavefile (PCM 8–32-bit, float, A-law, mu-law, IMA ADPCM), mixed to
 * mono by averaging the channels, cropped to the window the model sees (the centre, so the result
 * is deterministic; the feature extractor would otherwise pick a random crop), resampled to the
 * model's rate (48 kHz for CLAP) with a windowed-sinc filter (wavefile's own converters are far
 * too slow: seconds per clip) and turned into log-mel features by the model's
 * ClapFeatureExtractor. transformers.js `read_audio` needs the browser's AudioContext, so it is
 * not used. A corrupt, empty or non-WAV file fails that item only.
 */
import wavefile from 'wavefile';
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

/** A decoded WAV file: mono samples in [-1, 1] and their rate. */
export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

/** Reads sample `off` of raw little-endian WAV data as a float in [-1, 1]. */
function sampleReader(view: DataView, bits: number, float: boolean): (off: number) => number {
  if (float && bits === 32) return (o) => view.getFloat32(o, true);
  if (float && bits === 64) return (o) => view.getFloat64(o, true);
  if (float) throw new Error(`unsupported float WAV with ${bits}-bit samples`);
  switch (bits) {
    case 8:
      return (o) => (view.getUint8(o) - 128) / 128;
    case 16:
      return (o) => view.getInt16(o, true) / 32768;
    case 24:
      return (o) => (view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608;
    case 32:
      return (o) => view.getInt32(o, true) / 2147483648;
    default:
      throw new Error(`unsupported PCM WAV with ${bits}-bit samples`);
  }
}

/**
 * Decodes a WAV file (PCM 8/16/24/32-bit, float 32/64-bit, WAVE_FORMAT_EXTENSIBLE; A-law, mu-law
 * and IMA ADPCM via wavefile's codecs) and mixes its channels to mono (their mean). Throws for
 * anything else, including a file with no samples.
 */
export function decodeWavMono(bytes: Uint8Array): MonoAudio {
  const wav = new wavefile.WaveFile(bytes);
  const codec = { 6: () => wav.fromALaw(), 7: () => wav.fromMuLaw(), 17: () => wav.fromIMAADPCM() };
  const fmt0 = wav.fmt as { audioFormat?: number };
  codec[fmt0.audioFormat as keyof typeof codec]?.();
  const fmt = wav.fmt as {
    audioFormat?: number;
    numChannels?: number;
    sampleRate?: number;
    bitsPerSample?: number;
  };
  const sub = (wav.fmt as { subformat?: number[] }).subformat?.[0];
  const channels = fmt.numChannels ?? 0;
  const sampleRate = fmt.sampleRate ?? 0;
  const bits = fmt.bitsPerSample ?? 0;
  if (channels < 1 || sampleRate < 1)
    throw new Error(`bad WAV header (${channels} channels, ${sampleRate} Hz)`);
  const float = fmt.audioFormat === 3 || (fmt.audioFormat === 0xfffe && sub === 3);
  if (!float && fmt.audioFormat !== 1 && fmt.audioFormat !== 0xfffe) {
    throw new Error(`unsupported WAV audio format ${fmt.audioFormat}`);
  }
  const raw = (wav.data as { samples?: Uint8Array }).samples ?? new Uint8Array(0);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = sampleReader(view, bits, float);
  const width = bits / 8;
  const n = Math.floor(raw.length / (width * channels));
  if (n === 0) throw new Error('WAV file has no samples');
  const samples = new Float32Array(n);
  for (let i = 0, off = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, off += width) sum += read(off);
    const v = sum / channels;
    samples[i] = Number.isFinite(v) ? v : 0;
  }
  return { samples, sampleRate };
}

const ZERO_CROSSINGS = 16;
const TABLE_RES = 256;
/** Blackman-windowed sinc, tabulated at TABLE_RES points per zero crossing. */
const SINC = Float32Array.from({ length: ZERO_CROSSINGS * TABLE_RES + 2 }, (_, k) => {
  const x = k / TABLE_RES;
  if (x >= ZERO_CROSSINGS) return 0;
  const w =
    0.42 +
    0.5 * Math.cos((Math.PI * x) / ZERO_CROSSINGS) +
    0.08 * Math.cos((2 * Math.PI * x) / ZERO_CROSSINGS);
  return x === 0 ? 1 : (w * Math.sin(Math.PI * x)) / (Math.PI * x);
});

/** Band-limited (windowed-sinc) resampling; when downsampling the filter cuts at the new Nyquist. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x.slice();
  const ratio = to / from;
  const cutoff = Math.min(1, ratio);
  const half = ZERO_CROSSINGS / cutoff;
  const out = new Float32Array(Math.round(x.length * ratio));
  for (let i = 0; i < out.length; i++) {
    const t = i / ratio;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(x.length - 1, Math.floor(t + half));
    let s = 0;
    for (let j = lo; j <= hi; j++) {
      const p = Math.abs(t - j) * cutoff * TABLE_RES;
      const k = p | 0;
      s += x[j]! * (SINC[k]! + (p - k) * (SINC[k + 1]! - SINC[k]!));
    }
    out[i] = s * cutoff;
  }
  return out;
}

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
      const audio = decodeWavMono(await readMediaBytes(item, 'audio'));
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
