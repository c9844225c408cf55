import MeydaModule from 'meyda';
import { describe, expect, it } from 'vitest';
import { createFrameAnalyzer } from './frames.js';
import { resample } from './resample.js';

interface MeydaFeatures {
  mfcc: number[];
  spectralCentroid: number;
  spectralRolloff: number;
  zcr: number;
  rms: number;
}
interface MeydaLike {
  bufferSize: number;
  sampleRate: number;
  numberOfMFCCCoefficients: number;
  melFilterBank?: unknown;
  barkScale?: unknown;
  extract(features: string[], signal: Float32Array): MeydaFeatures;
}
// meyda is CommonJS; its typings describe an ES module default export.
const Meyda = ((MeydaModule as unknown as { default?: MeydaLike }).default ??
  (MeydaModule as unknown as MeydaLike)) as MeydaLike;

/** A deterministic test signal: two partials, a pulse envelope and hashed noise. */
function testSignal(n: number, rate: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const env = 0.3 + 0.7 * Math.exp(-8 * (t % 0.25));
    const noise = (((i * 2654435761) >>> 0) / 4294967296 - 0.5) * 0.1;
    out[i] = env * (0.5 * Math.sin(2 * Math.PI * 330 * t) + 0.2 * Math.sin(2 * Math.PI * 1250 * t)) + noise;
  }
  return out;
}

function close(a: number, b: number, rel: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
}

describe('createFrameAnalyzer', () => {
  it.each([
    [512, 256, 16000, 13],
    [1024, 512, 22050, 20],
    [256, 100, 8000, 30],
  ])(
    'matches Meyda.extract frame by frame (bufferSize %i, hop %i, %i Hz, %i MFCCs)',
    (size, hop, rate, mfccs) => {
      const signal = testSignal(rate, rate);
      const f = createFrameAnalyzer(size, hop, rate, mfccs, 0.99).analyze(signal);
      expect(f.frames).toBe(1 + Math.ceil((signal.length - size) / hop));
      Meyda.bufferSize = size;
      Meyda.sampleRate = rate;
      Meyda.numberOfMFCCCoefficients = mfccs;
      // meyda caches its filter banks across settings changes; make it rebuild them.
      Meyda.melFilterBank = undefined;
      Meyda.barkScale = undefined;
      for (const t of [0, 5, 17, f.frames - 2]) {
        const frame = signal.slice(t * hop, t * hop + size);
        const m = Meyda.extract(['mfcc', 'spectralCentroid', 'spectralRolloff', 'zcr', 'rms'], frame);
        for (let k = 0; k < mfccs; k++) close(f.mfcc[t * mfccs + k]!, m.mfcc[k]!, 1e-4);
        close(f.centroid[t]!, m.spectralCentroid, 1e-5);
        close(f.rolloff[t]!, m.spectralRolloff, 1e-9);
        expect(f.zcr[t]).toBe(m.zcr);
        close(f.rms[t]!, m.rms, 1e-6);
        expect(f.flux[t]).toBeGreaterThanOrEqual(0);
        expect(f.flux[t]).toBeLessThanOrEqual(1);
      }
    },
  );

  it('zero-pads short signals to one frame and reports silence as zeros', () => {
    const a = createFrameAnalyzer(512, 256, 16000, 13);
    expect(a.frameCount(1)).toBe(1);
    expect(a.frameCount(512)).toBe(1);
    expect(a.frameCount(513)).toBe(2);
    const f = a.analyze(new Float32Array(300));
    expect(f.frames).toBe(1);
    for (const arr of [f.mfcc, f.centroid, f.rolloff, f.flux, f.zcr, f.rms])
      expect(arr.every((x) => x === 0)).toBe(true);
  });
});

describe('resample', () => {
  const tone = (n: number, rate: number): Float32Array =>
    Float32Array.from(
      { length: n },
      (_, i) => Math.sin((2 * Math.PI * 1000 * i) / rate) + 0.5 * Math.sin((2 * Math.PI * 3000 * i) / rate),
    );

  it.each([
    [44100, 16000],
    [16000, 44100],
    [48000, 16000],
    [22050, 16000],
    [16001.5, 16000],
  ])('resamples %f Hz to %f Hz accurately', (from, to) => {
    const y = resample(tone(Math.round(from), from), from, to);
    expect(y.length).toBe(Math.round((Math.round(from) * to) / from));
    const want = tone(y.length, to);
    let err = 0;
    for (let i = 100; i < y.length - 100; i++) err += (y[i]! - want[i]!) ** 2;
    expect(Math.sqrt(err / (y.length - 200))).toBeLessThan(1e-3);
  });

  it('removes content above the new Nyquist frequency and returns equal-rate input as is', () => {
    const x = Float32Array.from({ length: 44100 }, (_, i) => Math.sin((2 * Math.PI * 10000 * i) / 44100));
    const y = resample(x, 44100, 16000);
    let e = 0;
    for (let i = 100; i < y.length - 100; i++) e += y[i]! ** 2;
    expect(Math.sqrt(e / (y.length - 200))).toBeLessThan(1e-3);
    expect(resample(x, 44100, 44100)).toBe(x);
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
  });
});
