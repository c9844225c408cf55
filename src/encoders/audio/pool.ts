/**
 * @module encoders/audio/pool
 * Turns per-frame features ({@link FrameFeatures}) into one fixed-size clip vector: MFCCs and
 * their deltas, and five spectral descriptors, each pooled by mean and standard deviation over
 * the frames, standardised with fixed (catalog-independent) scales, each block L2-normalised,
 * then the whole vector L2-normalised. See {@link audioLayout} for the blocks.
 */
import type { FrameFeatures } from './frames.js';

/** meyda's mel band count for `mfccs` coefficients. */
function melBands(mfccs: number): number {
  return Math.max(26, mfccs);
}

/** Number of spectral descriptors per frame (centroid, roll-off, flux, ZCR, loudness). */
export const SPECTRAL_FEATURES = 5;

/** One block of the audio vector. */
export interface AudioBlock {
  name: string;
  offset: number;
  dims: number;
}

/** The blocks of the vector for `mfccs` coefficients, in order; total dims = 4·mfccs + 10. */
export function audioLayout(mfccs: number): AudioBlock[] {
  const sizes: [string, number][] = [
    ['mfcc-mean', mfccs],
    ['mfcc-std', mfccs],
    ['delta-mean', mfccs],
    ['delta-std', mfccs],
    ['spectral-mean', SPECTRAL_FEATURES],
    ['spectral-std', SPECTRAL_FEATURES],
  ];
  let offset = 0;
  return sizes.map(([name, dims]) => {
    const block = { name, offset, dims };
    offset += dims;
    return block;
  });
}

/** Total output size for `mfccs` coefficients. */
export function audioDims(mfccs: number): number {
  return 4 * mfccs + 2 * SPECTRAL_FEATURES;
}

/** Loudness in [0, 1]: RMS in dBFS mapped from [-80, 0] (clamped). */
function loudness(rms: number): number {
  const db = 20 * Math.log10(rms + 1e-8);
  return Math.min(1, Math.max(0, (db + 80) / 80));
}

/** Adds mean and standard deviation of `get(0..frames-1)` at out[meanAt], out[stdAt]. */
function meanStd(
  frames: number,
  get: (t: number) => number,
  out: Float32Array,
  meanAt: number,
  stdAt: number,
) {
  let s = 0;
  for (let t = 0; t < frames; t++) s += get(t);
  const m = s / frames;
  let v = 0;
  for (let t = 0; t < frames; t++) {
    const d = get(t) - m;
    v += d * d;
  }
  out[meanAt] = m;
  out[stdAt] = Math.sqrt(v / frames);
}

/**
 * Pools `f` into `out` (length {@link audioDims}): writes the raw pooled statistics, then
 * normalises each block to unit L2 norm (zero blocks stay zero) and the whole vector to unit
 * norm. Cepstra use the orthonormal DCT scaling (meyda's c_k / √(2N)), with c0 further scaled
 * to the mean log-mel energy (c0 / 2N) so that it weighs like one more coefficient; deltas are
 * the usual regression over ±2 frames (edges repeated).
 */
export function poolFeatures(
  f: FrameFeatures,
  sampleRate: number,
  bufferSize: number,
  out: Float32Array,
): void {
  const { frames: T, mfccs: M } = f;
  const n = melBands(M);
  const cep = new Float64Array(T * M);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < M; k++) {
      const c = f.mfcc[t * M + k]!;
      cep[t * M + k] = k === 0 ? c / (2 * n) : c / Math.sqrt(2 * n);
    }
  }
  const delta = new Float64Array(T * M);
  const at = (t: number, k: number): number => cep[Math.min(T - 1, Math.max(0, t)) * M + k]!;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < M; k++) {
      delta[t * M + k] = (at(t + 1, k) - at(t - 1, k) + 2 * (at(t + 2, k) - at(t - 2, k))) / 10;
    }
  }
  for (let k = 0; k < M; k++) {
    meanStd(T, (t) => cep[t * M + k]!, out, k, M + k);
    meanStd(T, (t) => delta[t * M + k]!, out, 2 * M + k, 3 * M + k);
  }
  const nyquist = sampleRate / 2;
  const half = bufferSize / 2;
  const spectral: ((t: number) => number)[] = [
    (t) => f.centroid[t]! / half,
    (t) => f.rolloff[t]! / nyquist,
    (t) => f.flux[t]!,
    (t) => f.zcr[t]! / (bufferSize - 1),
    (t) => loudness(f.rms[t]!),
  ];
  const base = 4 * M;
  spectral.forEach((get, i) => {
    meanStd(T, get, out, base + i, base + SPECTRAL_FEATURES + i);
  });
  for (const block of audioLayout(M)) normalize(out, block.offset, block.dims);
  normalize(out, 0, out.length);
}

function normalize(v: Float32Array, offset: number, dims: number): void {
  let s = 0;
  for (let i = offset; i < offset + dims; i++) s += v[i]! * v[i]!;
  if (s === 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let i = offset; i < offset + dims; i++) v[i]! *= inv;
}
