/**
 * @module demo/audio
 * Synthesises one demo item's sound clip: a harmonic tone at the style's pitch and timbre,
 * pulsed at the style's tempo, plus white noise, with item-level jitter in pitch, tempo and
 * noise. Encoded as a 16-bit mono PCM WAV file.
 */
import wavefile from 'wavefile';
import type { Rng } from '../util/rng.js';
import { uniform } from './random.js';
import type { Style } from './styles.js';

/** 16-bit samples of one item's clip; `rng` supplies the item's own noise. */
export function renderSamples(style: Style, rng: Rng, seconds: number, sampleRate: number): Int16Array {
  const n = Math.max(1, Math.round(seconds * sampleRate));
  const f0 = style.pitch * 2 ** uniform(rng, -0.05, 0.05);
  const pulse = style.pulseRate * uniform(rng, 0.85, 1.15);
  const noise = style.noise * uniform(rng, 0.7, 1.3);
  const pulseOffset = rng.next() / pulse;
  const decay = pulse * uniform(rng, 2, 4);
  const nyquist = sampleRate / 2;
  // Each partial is a rotating phasor (cos, sin), advanced by one complex multiply per sample.
  const cos: number[] = [];
  const sin: number[] = [];
  const stepCos: number[] = [];
  const stepSin: number[] = [];
  const amp: number[] = [];
  for (let h = 0, k = 1; h < style.harmonics; k += style.oddOnly ? 2 : 1, h++) {
    if (k * f0 >= nyquist * 0.9) break;
    const w = (2 * Math.PI * k * f0) / sampleRate;
    const phase = rng.next() * 2 * Math.PI;
    cos.push(Math.cos(phase));
    sin.push(Math.sin(phase));
    stepCos.push(Math.cos(w));
    stepSin.push(Math.sin(w));
    amp.push(style.rolloff ** h);
  }
  const buf = new Float64Array(n);
  let peak = 1e-9;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const sincePulse = (t + pulseOffset) % (1 / pulse);
    const env = Math.min(1, sincePulse / 0.005) * Math.exp(-decay * sincePulse) * 0.85 + 0.15;
    let s = 0;
    for (let p = 0; p < amp.length; p++) {
      const c = cos[p]!;
      const si = sin[p]!;
      s += amp[p]! * si;
      cos[p] = c * stepCos[p]! - si * stepSin[p]!;
      sin[p] = si * stepCos[p]! + c * stepSin[p]!;
    }
    s = s * env + noise * (rng.next() * 2 - 1);
    buf[i] = s;
    const abs = Math.abs(s);
    if (abs > peak) peak = abs;
  }
  const scale = (0.8 * 32767) / peak;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((buf[i] ?? 0) * scale);
  return out;
}

/**
 * WAV bytes (16-bit mono PCM) of one item's clip. wavefile writes the header; the samples go in
 * as little-endian bytes (`data.samples`, as wavefile stores them) since its own packing is the
 * slowest step of the whole generator.
 */
export function renderAudio(style: Style, rng: Rng, seconds: number, sampleRate: number): Buffer {
  const samples = renderSamples(style, rng, seconds, sampleRate);
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', []);
  const data = wav.data as { samples: Uint8Array; chunkSize: number };
  data.samples = bytes;
  data.chunkSize = bytes.length;
  return Buffer.from(wav.toBuffer());
}
