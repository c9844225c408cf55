/**
 * @module encoders/audio/mfcc
 * The built-in audio encoder (no model weights): decodes a clip (WAV via wavefile; MP3, FLAC,
 * Ogg, AIFF, … via audio-decode), mixes it to mono, resamples it (Kaiser-windowed sinc) to one
 * rate, frames it with a Hann window, computes meyda-defined MFCCs, spectral centroid, roll-off
 * (at 85 %), zero-crossing rate and RMS per frame plus a spectral flux, and pools them into one
 * fixed-size vector (see {@link audioLayout}). Deterministic; one encoder instance owns its
 * analysis buffers and shares no mutable state, so it can run inside worker threads.
 */

import { readFile } from 'node:fs/promises';
import { describeError, InvalidArgumentError } from '../../errors.js';
import { forEachLimit } from '../../util/concurrency.js';
import { type EncodeResult, type Encoder, type EncoderInput, emptyResult } from '../encoder.js';
import { decodeToMono } from './decode.js';
import { createFrameAnalyzer } from './frames.js';
import { audioDims, poolFeatures } from './pool.js';
import { resample } from './resample.js';

export { type AudioBlock, audioDims, audioLayout } from './pool.js';

/** Settings of {@link createMfccAudioEncoder}; every field has a default. */
export interface MfccAudioOptions {
  /** Rate (Hz) every clip is resampled to before analysis (default 16000, 4000-96000). */
  sampleRate?: number;
  /** Frame length in samples, a power of 2 (default 512, 64-8192). */
  bufferSize?: number;
  /** Hop between frames in samples (default 256, 1-bufferSize). */
  hop?: number;
  /** MFCC coefficients per frame (default 13, 2-40). */
  mfccs?: number;
}

/** Clips decoded and analysed at once within a batch (file reads and audio-decode are async). */
const CONCURRENCY = 4;

function checkInt(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(
      `mfcc encoder option "${name}" must be an integer in [${lo}, ${hi}], got ${v}`,
    );
  }
  return v;
}

/** The bytes of one input: `bytes` when given, else the file at `path`. */
async function inputBytes(input: EncoderInput): Promise<Uint8Array> {
  if (input.bytes !== undefined) return input.bytes;
  if (input.path === undefined) throw new Error('input has neither a path nor bytes');
  return readFile(input.path);
}

/**
 * Creates the built-in MFCC audio encoder (kind 'audio'). Its vector has 4·mfccs + 10 dims
 * (62 by default): per-frame cepstra and deltas pooled by mean and standard deviation, then the
 * mean and standard deviation of spectral centroid, roll-off, flux, zero-crossing rate and
 * loudness; each block L2-normalised, then the whole vector. Clips shorter than one frame are
 * zero-padded; an empty, corrupt, unsupported or missing file fails that item with the reason.
 * @throws InvalidArgumentError for options out of range.
 */
export function createMfccAudioEncoder(options: MfccAudioOptions = {}): Encoder {
  const sampleRate = checkInt('sampleRate', options.sampleRate ?? 16000, 4000, 96000);
  const bufferSize = checkInt('bufferSize', options.bufferSize ?? 512, 64, 8192);
  if ((bufferSize & (bufferSize - 1)) !== 0) {
    throw new InvalidArgumentError(
      `mfcc encoder option "bufferSize" must be a power of 2, got ${bufferSize}`,
    );
  }
  const hop = checkInt('hop', options.hop ?? 256, 1, bufferSize);
  const mfccs = checkInt('mfccs', options.mfccs ?? 13, 2, 40);
  const dims = audioDims(mfccs);
  const analyzer = createFrameAnalyzer(bufferSize, hop, sampleRate, mfccs);

  /** Writes the vector of one clip into `out` (synchronously after the last await); throws with the reason. */
  async function encodeOne(input: EncoderInput, out: Float32Array): Promise<void> {
    const audio = await decodeToMono(await inputBytes(input));
    if (audio.samples.length === 0) throw new Error('no audio samples');
    const signal = resample(audio.samples, audio.sampleRate, sampleRate);
    for (let i = 0; i < signal.length; i++) {
      if (!Number.isFinite(signal[i]!)) throw new Error('audio contains non-finite samples');
    }
    poolFeatures(analyzer.analyze(signal), sampleRate, bufferSize, out);
  }

  return {
    id: `mfcc:v1:sr=${sampleRate}:n=${bufferSize}:hop=${hop}:mfccs=${mfccs}`,
    kind: 'audio',
    dims,
    async encode(batch: readonly EncoderInput[]): Promise<EncodeResult> {
      const result = emptyResult(batch.length, dims);
      await forEachLimit(batch.length, CONCURRENCY, async (b) => {
        const input = batch[b]!;
        try {
          await encodeOne(input, result.vectors.subarray(b * dims, (b + 1) * dims));
          result.ok[b] = 1;
        } catch (err) {
          const where = input.path ?? `item ${input.id}`;
          result.errors[b] = `${where}: ${describeError(err)}`;
        }
      });
      return result;
    },
    async dispose(): Promise<void> {},
  };
}
