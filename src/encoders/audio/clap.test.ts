import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { NotFoundError } from '../../errors.js';
import type { Encoder, EncoderInput } from '../encoder.js';
import { writeTinyClap } from '../testing/tiny-clap.js';
import { createClapAudioEncoder, createClapTextEncoder, fitToModel } from './clap.js';

/** Per-test limit: the tiny CLAP towers and 1-second clips take well under a second. */
const TINY_MODEL_TIMEOUT_MS = 20_000;
const PROJ = 16;
const RATE = 16_000;

let dir = '';
const saved = { ...process.env };
const open: Encoder[] = [];
let clips: EncoderInput[] = [];

/** A WAV file of `seconds` of a tone at `freq` Hz, in the given channel count and bit depth. */
function wav(rate: number, channels: number, bitDepth: '8' | '16' | '32f', seconds: number, freq: number) {
  const n = Math.round(rate * seconds);
  const data = Array.from({ length: channels }, (_, c) => {
    const ch = new Float64Array(n);
    for (let i = 0; i < n; i++) ch[i] = 0.5 * Math.sin((2 * Math.PI * freq * (c + 1) * i) / rate);
    return ch;
  });
  const scale = bitDepth === '16' ? 32767 : 1;
  const out = new wavefile.WaveFile();
  const samples = data.map((ch) => Array.from(ch, (v) => (bitDepth === '32f' ? v : Math.round(v * scale))));
  if (bitDepth === '8') {
    out.fromScratch(
      channels,
      rate,
      '8',
      samples.map((ch) => ch.map((_, i) => 128 + Math.round(data[0]![i]! * 127))),
    );
  } else out.fromScratch(channels, rate, bitDepth, channels === 1 ? samples[0]! : samples);
  return out.toBuffer();
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-tiny-clap-'));
  process.env.FUSIONREC_MODEL_DIR = join(dir, 'models');
  process.env.FUSIONREC_CACHE_DIR = join(dir, 'cache');
  delete process.env.FUSIONREC_ALLOW_REMOTE;
  await writeTinyClap(join(dir, 'models'), 'tiny/clap', { projection: PROJ, samplingRate: RATE });
  const media = join(dir, 'media');
  await mkdir(media);
  await writeFile(join(media, 'stereo44k.wav'), wav(44_100, 2, '16', 1.5, 440));
  await writeFile(join(media, 'short16k.wav'), wav(RATE, 1, '16', 0.3, 880));
  await writeFile(join(media, 'float48k.wav'), wav(48_000, 1, '32f', 2, 220));
  await writeFile(join(media, 'corrupt.wav'), Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt garbage garbage'));
  clips = [
    { id: 'stereo', path: join(media, 'stereo44k.wav') },
    { id: 'short', path: join(media, 'short16k.wav') },
    { id: 'float', path: join(media, 'float48k.wav') },
    { id: 'bytes8', bytes: wav(8_000, 1, '8', 0.7, 300) },
  ];
}, TINY_MODEL_TIMEOUT_MS);

afterAll(async () => {
  for (const e of open) await e.dispose();
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('fitting a clip to the model window', () => {
  it('crops the centre of long clips and resamples short ones', () => {
    const long = {
      samples: Float32Array.from({ length: 30_000 }, (_, i) => i),
      sampleRate: RATE,
      channels: 1,
    };
    const fitted = fitToModel(long, RATE, RATE);
    expect(fitted.length).toBe(RATE);
    expect(fitted[0]).toBe(7_000);
    expect(
      fitToModel({ samples: new Float32Array(8_000), sampleRate: 8_000, channels: 1 }, RATE, RATE).length,
    ).toBe(RATE);
  });
});

describe('createClapAudioEncoder (tiny CLAP, offline)', () => {
  it(
    'encodes WAV paths and bytes into [batch, projection] unit vectors, batch = one by one, deterministic',
    async () => {
      const enc = await createClapAudioEncoder({ model: 'tiny/clap', threads: 1, batchSize: 3 });
      open.push(enc);
      expect(enc.kind).toBe('audio');
      expect(enc.dims).toBe(PROJ);
      expect(enc.id).toBe('clap-audio:tiny/clap:norm');
      const r = await enc.encode(clips);
      expect(r.errors).toEqual([undefined, undefined, undefined, undefined]);
      expect([...r.ok]).toEqual([1, 1, 1, 1]);
      for (let b = 0; b < clips.length; b++) {
        const row = r.vectors.subarray(b * PROJ, (b + 1) * PROJ);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
        expectClose((await enc.encode([clips[b]!])).vectors, row);
      }
      expect((await enc.encode(clips)).vectors).toEqual(r.vectors);
      expect(r.vectors.subarray(0, PROJ)).not.toEqual(r.vectors.subarray(2 * PROJ, 3 * PROJ));
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'fails a corrupt, empty, missing or absent WAV and encodes the rest',
    async () => {
      const enc = await createClapAudioEncoder({ model: 'tiny/clap', threads: 1 });
      open.push(enc);
      const empty = new wavefile.WaveFile();
      empty.fromScratch(1, RATE, '16', []);
      const batch: EncoderInput[] = [
        clips[0]!,
        { id: 'corrupt', path: join(dir, 'media', 'corrupt.wav') },
        { id: 'empty', bytes: empty.toBuffer() },
        { id: 'gone', path: join(dir, 'media', 'gone.wav') },
        { id: 'nothing' },
        clips[1]!,
      ];
      const r = await enc.encode(batch);
      expect([...r.ok]).toEqual([1, 0, 0, 0, 0, 1]);
      expect(r.errors[1]).toMatch(/corrupt.*corrupt\.wav/);
      expect(r.errors[2]).toMatch(/empty.*no samples/);
      expect(r.errors[3]).toMatch(/gone.*ENOENT/);
      expect(r.errors[4]).toMatch(/nothing.*neither path nor bytes/);
      const good = await enc.encode([clips[0]!, clips[1]!]);
      expectClose(r.vectors.subarray(0, PROJ), good.vectors.subarray(0, PROJ));
      expectClose(r.vectors.subarray(5 * PROJ), good.vectors.subarray(PROJ));
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'names the model folder when the model is missing',
    async () => {
      const err = await createClapAudioEncoder({ model: 'laion/missing-clap' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toContain(
        `model "laion/missing-clap" is not in ${join(dir, 'models')};`,
      );
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});

describe('createClapTextEncoder (tiny CLAP, offline)', () => {
  it(
    'encodes text into the audio space size; batch = one by one; missing text fails',
    async () => {
      const enc = await createClapTextEncoder({ model: 'tiny/clap', threads: 1 });
      open.push(enc);
      expect(enc.kind).toBe('text');
      expect(enc.dims).toBe(PROJ);
      expect(enc.id).toBe('clap-text:tiny/clap:norm');
      const batch: EncoderInput[] = [
        { id: 'a', text: 'a dog barking in the rain' },
        { id: 'b' },
        { id: 'c', text: 'piano' },
      ];
      const r = await enc.encode(batch);
      expect([...r.ok]).toEqual([1, 0, 1]);
      expect(r.errors[1]).toMatch(/"b": no text/);
      for (const b of [0, 2]) {
        const row = r.vectors.subarray(b * PROJ, (b + 1) * PROJ);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
        expectClose((await enc.encode([batch[b]!])).vectors, row);
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});
