/**
 * @module encoders/contract.test
 * Runs the encoder contract (encoders/contract.ts) for every registered encoder: the built-in
 * ones as they are, the ones that need weights on the tiny generated models of encoders/testing
 * (offline, from a temporary FUSIONREC_MODEL_DIR). A new registry entry without a fixture fails
 * the bookkeeping test. KNOWN_GAPS lists the cases an encoder fails today, with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ENCODER_CASES,
  type EncoderCase,
  type EncoderFixture,
  encoderContract,
  pngBytes,
  wavBytes,
} from './contract.js';
import type { EncoderInput, MediaKind } from './encoder.js';
import { ENCODERS, encoderNames, MEDIA_KINDS } from './registry.js';
import { writeTinyBert } from './testing/tiny-bert.js';
import { writeTinyClap } from './testing/tiny-clap.js';
import { writeTinyClip } from './testing/tiny-clip.js';

// The tiny models are written before any suite runs (top-level await), into a private model dir.
const dir = mkdtempSync(join(tmpdir(), 'fusionrec-encoder-contract-'));
const savedEnv = { ...process.env };
process.env.FUSIONREC_MODEL_DIR = join(dir, 'models');
process.env.FUSIONREC_CACHE_DIR = join(dir, 'cache');
delete process.env.FUSIONREC_ALLOW_REMOTE;
await writeTinyBert(join(dir, 'models'), 'tiny/bert', { hidden: 32, layers: 2 });
await writeTinyClip(join(dir, 'models'), 'tiny/clip', { projection: 16 });
await writeTinyClap(join(dir, 'models'), 'tiny/clap', { projection: 16, samplingRate: 16_000 });

const texts: EncoderInput[] = [
  { id: 'rock', text: 'red rock music from the city' },
  { id: 'shirt', text: 'a long description of a blue shirt with a good price' },
  { id: 'jazz', text: 'jazz night' },
  { id: 'pets', text: 'Happy dog, sad cat!' },
];
const badTexts: EncoderInput[] = [{ id: 'empty', text: '' }, { id: 'blank', text: '   ' }, { id: 'none' }];
const images: EncoderInput[] = [
  { id: 'stripes', bytes: pngBytes(40, 30, (x) => (x % 8 < 4 ? [220, 30, 30, 255] : [20, 20, 200, 255])) },
  { id: 'gradient', bytes: pngBytes(32, 32, (x, y) => [x * 8, y * 8, 128, 255]) },
  {
    id: 'checks',
    bytes: pngBytes(24, 36, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? [250, 250, 250, 255] : [0, 90, 0, 255])),
  },
];
const badImages: EncoderInput[] = [
  { id: 'not-a-picture', bytes: new TextEncoder().encode('not a picture at all') },
  { id: 'empty-file', bytes: new Uint8Array(0) },
  { id: 'missing-file', path: join(dir, 'no-such-picture.png') },
];
const sounds: EncoderInput[] = [
  { id: 'a220', bytes: wavBytes(16_000, 0.5, 220) },
  { id: 'a880', bytes: wavBytes(22_050, 0.4, 880) },
  { id: 'a440', bytes: wavBytes(8_000, 0.6, 440) },
];
const badSounds: EncoderInput[] = [
  { id: 'bad-header', bytes: new TextEncoder().encode('RIFF\x24\x00\x00\x00WAVEfmt garbage garbage') },
  { id: 'empty-file', bytes: new Uint8Array(0) },
  { id: 'missing-file', path: join(dir, 'no-such-sound.wav') },
];

const inputs: Record<MediaKind, Pick<EncoderFixture, 'good' | 'broken'>> = {
  text: { good: texts, broken: badTexts },
  image: { good: images, broken: badImages },
  audio: { good: sounds, broken: badSounds },
};

/** Options per kind/name: small and offline. */
const OPTIONS: Record<string, Record<string, unknown>> = {
  'text/builtin': { dim: 32 },
  'text/transformer': { model: 'tiny/bert', threads: 1 },
  'text/clip': { model: 'tiny/clip', threads: 1 },
  'text/clap': { model: 'tiny/clap', threads: 1 },
  'image/builtin': {},
  'image/clip': { model: 'tiny/clip', threads: 1 },
  'audio/mfcc': {},
  'audio/clap': { model: 'tiny/clap', threads: 1 },
};

/**
 * Encoders run through onnxruntime: a vector encoded alone differs from the same input's vector in
 * a larger batch by rounding (observed <= 7e-7 on unit vectors), so batch independence is checked
 * to 1e-5 for them; the others must be bit-identical.
 */
const ONNX = new Set(['text/transformer', 'text/clip', 'text/clap', 'image/clip', 'audio/clap']);

/** kind/name → case → why it fails today. Keep this as small as honesty allows. */
const KNOWN_GAPS: Record<string, Partial<Record<EncoderCase, string>>> = {};

afterAll(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

const gapLines = Object.entries(KNOWN_GAPS).flatMap(([e, cases]) =>
  Object.entries(cases).map(([c, why]) => `  ${e} / ${c}: ${why}`),
);
if (gapLines.length > 0) console.warn(`encoder contract: known gaps (skipped)\n${gapLines.join('\n')}`);

for (const kind of MEDIA_KINDS) {
  for (const name of encoderNames(kind)) {
    const key = `${kind}/${name}`;
    const options = OPTIONS[key];
    if (!options) continue; // reported by the bookkeeping test below
    const batchTolerance = ONNX.has(key) ? 1e-5 : 0;
    encoderContract({ kind, name, options, batchTolerance, ...inputs[kind] }, KNOWN_GAPS[key] ?? {});
  }
}

describe('encoder contract: bookkeeping', () => {
  it('has a fixture for every registered encoder and names only real cases', () => {
    const registered = MEDIA_KINDS.flatMap((k) => Object.keys(ENCODERS[k]).map((n) => `${k}/${n}`));
    expect(Object.keys(OPTIONS).sort()).toEqual(registered.sort());
    for (const [e, cases] of Object.entries(KNOWN_GAPS)) {
      expect(registered).toContain(e);
      for (const c of Object.keys(cases)) expect(ENCODER_CASES).toContain(c);
    }
  });
});
