/**
 * The audio limits: a WAV's duration and samples are read from its header (no decoding), a clip
 * over a limit is refused before it is decoded or resampled, and resample() refuses an output
 * longer than its bound before allocating it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkAudioLimits, decodeToMono, probeWav, setAudioLimits } from './decode.js';
import { resample } from './resample.js';

/** A mono 8-bit PCM WAV of `samples` samples whose header says `rate` Hz. */
function wav8(samples: number, rate: number, declared = samples): Uint8Array {
  const out = Buffer.alloc(44 + samples + (samples % 2), 128);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate, 28);
  out.writeUInt16LE(1, 32);
  out.writeUInt16LE(8, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(declared, 40);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const LIMITS = { maxSeconds: 600, maxSamples: 30_000_000 };

afterEach(() => setAudioLimits(undefined));

describe('probeWav', () => {
  it('reads rate, channels and frames from the header only', () => {
    expect(probeWav(wav8(1_000_000, 250))).toEqual({
      sampleRate: 250,
      channels: 1,
      bitsPerSample: 8,
      frames: 1_000_000,
      seconds: 4000,
    });
  });

  it('counts only the data bytes present, whatever the header declares', () => {
    expect(probeWav(wav8(1000, 8000, 0xfffffff0))?.frames).toBe(1000);
  });

  it('is undefined for bytes that are not WAV', () => {
    expect(probeWav(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(probeWav(new TextEncoder().encode('ID3 not a wav file at all'))).toBeUndefined();
  });
});

describe('checkAudioLimits', () => {
  it('names what the clip is and what the limit is', () => {
    expect(() => checkAudioLimits({ frames: 1_000_000, channels: 1, sampleRate: 250 }, LIMITS)).toThrow(
      'the clip is 4000.0 s long (1,000,000 samples at 250 Hz, 1 channel); the limit is 600 s',
    );
    expect(() => checkAudioLimits({ frames: 20_000_000, channels: 2, sampleRate: 96000 }, LIMITS)).toThrow(
      /has 40,000,000 samples .*the limit is 30,000,000 samples/,
    );
    expect(() =>
      checkAudioLimits({ frames: 16000 * 60, channels: 2, sampleRate: 16000 }, LIMITS),
    ).not.toThrow();
  });
});

describe('decodeToMono with limits', () => {
  it('refuses the hostile clip from its header, quickly', async () => {
    const clip = wav8(1_000_000, 250);
    const t0 = performance.now();
    await expect(decodeToMono(clip, LIMITS)).rejects.toThrow(/4000\.0 s long.*the limit is 600 s/);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it("applies the thread's limits when none are passed, and none by default", async () => {
    const clip = wav8(20_000, 250); // 80 s
    expect((await decodeToMono(clip)).samples.length).toBe(20_000);
    setAudioLimits({ maxSeconds: 60, maxSamples: 1e9 });
    await expect(decodeToMono(clip)).rejects.toThrow(/80\.0 s long.*the limit is 60 s/);
    expect((await decodeToMono(clip, { maxSeconds: 100, maxSamples: 1e9 })).sampleRate).toBe(250);
  });
});

describe('resample bound', () => {
  it('refuses an output longer than maxOutput before allocating it', () => {
    expect(() => resample(new Float32Array(1000), 250, 16000, 10_000)).toThrow(
      /would give 64000 samples; the limit is 10000/,
    );
    expect(resample(new Float32Array(1000), 250, 16000, 64_000).length).toBe(64_000);
    expect(() => resample(new Float32Array(10), 0, 16000)).toThrow(/rates must be positive/);
  });
});
