/**
 * @module encoders/audio/resample
 * Band-limited resampling of a mono signal with a Kaiser-windowed sinc kernel (16 zero
 * crossings, β = 8.6, cut-off at 95 % of the lower Nyquist frequency, so downsampling is
 * anti-aliased). For rate pairs with a small rational ratio (44100→16000 is 160/441) the kernel
 * is tabulated once per phase (polyphase; a small module-level cache, read-only once built) and
 * each output sample is a plain dot product; other pairs read a finely tabulated kernel with
 * linear interpolation. Pure function of its inputs: safe in worker threads.
 */

/** Zero crossings of the sinc kernel on each side (at the lower of the two rates). */
const ZERO_CROSSINGS = 16;
/** Points per zero crossing of the interpolated kernel table. */
const TABLE_RES = 512;
/** Kaiser window shape parameter (≈ 80 dB stop-band). */
const KAISER_BETA = 8.6;
/** Cut-off as a fraction of the lower Nyquist frequency (leaves a transition band). */
const ROLLOFF = 0.95;
/** Largest number of polyphase phases (output rate / gcd) worth tabulating. */
const MAX_PHASES = 4096;
/**
 * Default bound on the output length (2^27 samples: 512 MB of float32, over 2 hours at 16 kHz),
 * so a header with a tiny rate cannot make one call allocate and compute without end.
 */
export const RESAMPLE_MAX_OUTPUT = 2 ** 27;

let kernelTable: Float64Array | undefined;
const polyphaseCache = new Map<string, { taps: number; table: Float64Array }>();

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** The kernel at `t` zero crossings from its centre (0 beyond ZERO_CROSSINGS). */
function kernelAt(t: number): number {
  const a = Math.abs(t);
  if (a >= ZERO_CROSSINGS) return 0;
  const x = Math.PI * ROLLOFF * a;
  const sinc = a === 0 ? 1 : Math.sin(x) / x;
  const r = a / ZERO_CROSSINGS;
  return (ROLLOFF * sinc * besselI0(KAISER_BETA * Math.sqrt(1 - r * r))) / besselI0(KAISER_BETA);
}

function kernel(): Float64Array {
  if (kernelTable !== undefined) return kernelTable;
  const n = ZERO_CROSSINGS * TABLE_RES;
  const table = new Float64Array(n + 2);
  for (let i = 0; i <= n; i++) table[i] = kernelAt(i / TABLE_RES);
  kernelTable = table;
  return table;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Output sample j sits at input position j·step (step = fromRate / toRate). */
function resampleInterpolated(input: Float32Array, out: Float32Array, ratio: number): void {
  const table = kernel();
  const scale = Math.min(1, ratio);
  const step = scale * TABLE_RES;
  const half = ZERO_CROSSINGS / scale;
  const last = input.length - 1;
  const limit = ZERO_CROSSINGS * TABLE_RES;
  for (let j = 0; j < out.length; j++) {
    const pos = j / ratio;
    const lo = Math.max(0, Math.ceil(pos - half));
    const hi = Math.min(last, Math.floor(pos + half));
    let acc = 0;
    for (let i = lo; i <= hi; i++) {
      const ti = Math.abs(i - pos) * step;
      if (ti >= limit) continue;
      const k = Math.floor(ti);
      const a = table[k]!;
      acc += input[i]! * (a + (table[k + 1]! - a) * (ti - k));
    }
    out[j] = acc * scale;
  }
}

/** Polyphase table: phases x taps, tap t of phase p weighs input sample base − taps/2 + 1 + t. */
function polyphase(up: number, down: number): { taps: number; table: Float64Array } {
  const key = `${up}/${down}`;
  const hit = polyphaseCache.get(key);
  if (hit !== undefined) return hit;
  const scale = Math.min(1, up / down);
  const k = Math.ceil(ZERO_CROSSINGS / scale);
  const taps = 2 * k;
  const table = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    for (let t = 0; t < taps; t++) table[p * taps + t] = kernelAt((t - k + 1 - frac) * scale) * scale;
  }
  if (polyphaseCache.size >= 16) polyphaseCache.clear();
  const entry = { taps, table };
  polyphaseCache.set(key, entry);
  return entry;
}

function resamplePolyphase(input: Float32Array, out: Float32Array, up: number, down: number): void {
  const { taps, table } = polyphase(up, down);
  const k = taps / 2;
  const len = input.length;
  for (let j = 0; j < out.length; j++) {
    const num = j * down;
    const base = Math.floor(num / up);
    const p = num - base * up;
    const first = base - k + 1;
    const t0 = Math.max(0, -first);
    const t1 = Math.min(taps, len - first);
    const row = p * taps;
    let acc = 0;
    for (let t = t0; t < t1; t++) acc += input[first + t]! * table[row + t]!;
    out[j] = acc;
  }
}

/**
 * Resamples `input` (mono, at `fromRate` Hz) to `toRate` Hz. Returns `input` itself when the
 * rates are equal. The output has round(length · toRate / fromRate) samples; samples outside the
 * input count as zero. Throws, before allocating anything, when the output would be longer than
 * `maxOutput` samples (default {@link RESAMPLE_MAX_OUTPUT}) or a rate is not positive.
 */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number,
  maxOutput = RESAMPLE_MAX_OUTPUT,
): Float32Array {
  if (fromRate === toRate) return input;
  if (!(fromRate > 0) || !(toRate > 0)) {
    throw new Error(`cannot resample from ${fromRate} Hz to ${toRate} Hz: rates must be positive`);
  }
  const length = Math.max(0, Math.round((input.length * toRate) / fromRate));
  if (length > maxOutput) {
    throw new Error(
      `resampling ${input.length} samples from ${fromRate} Hz to ${toRate} Hz would give ${length} samples; the limit is ${maxOutput}`,
    );
  }
  const out = new Float32Array(length);
  const intRates = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const g = intRates ? gcd(fromRate, toRate) : 1;
  if (intRates && toRate / g <= MAX_PHASES) resamplePolyphase(input, out, toRate / g, fromRate / g);
  else resampleInterpolated(input, out, toRate / fromRate);
  return out;
}
