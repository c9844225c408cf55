import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { generateDemo } from '../../demo/generate.js';
import { InvalidArgumentError } from '../../errors.js';
import type { EncoderInput } from '../encoder.js';
import { audioLayout, createMfccAudioEncoder } from './mfcc.js';

let root = '';
let demo = '';
let items: { id: string; style: string }[] = [];
const DIMS = 62;
const inputs = (): EncoderInput[] =>
  items.map((it) => ({ id: it.id, path: join(demo, 'audio', `${it.id}.wav`) }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-mfcc-'));
  demo = join(root, 'demo');
  await generateDemo(demo, { items: 40, users: 40, seed: 1 });
  items = JSON.parse(await readFile(join(demo, 'truth.json'), 'utf8')).items;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const row = (v: Float32Array, b: number): Float32Array => v.subarray(b * DIMS, (b + 1) * DIMS);
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A band-limited clip: harmonic tone at `f0` with a pulsing envelope, in [-0.8, 0.8]. */
function clip(f0: number, rate: number, seconds = 1, pulse = 4): Float64Array {
  return Float64Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    const t = i / rate;
    const env = 0.25 + 0.75 * Math.exp(-10 * ((t * pulse) % 1));
    let s = 0;
    for (let k = 1; k <= 5; k++) s += Math.sin(2 * Math.PI * k * f0 * t + k) * 0.6 ** k;
    return 0.8 * env * s;
  });
}

/** WAV bytes of `channels` (each in [-1, 1]) at `bitDepth`. */
function wav(channels: Float64Array[], rate: number, bitDepth = '16'): Uint8Array {
  const scaled = channels.map((c) =>
    bitDepth === '32f'
      ? Array.from(c)
      : bitDepth === '8'
        ? Array.from(c, (x) => Math.round(x * 127 + 128))
        : Array.from(c, (x) => Math.round(x * (2 ** (Number(bitDepth) - 1) - 1))),
  );
  const w = new wavefile.WaveFile();
  w.fromScratch(channels.length, rate, bitDepth, channels.length === 1 ? scaled[0]! : scaled);
  return w.toBuffer();
}

/** AIFF bytes (16-bit mono), a format that goes through audio-decode. */
function aiff(x: Float64Array, rate: number): Uint8Array {
  const n = x.length;
  const buf = Buffer.alloc(54 + n * 2);
  buf.write('FORMxxxxAIFFCOMM', 0);
  buf.writeUInt32BE(46 + n * 2, 4);
  buf.writeUInt32BE(18, 16);
  buf.writeUInt16BE(1, 20);
  buf.writeUInt32BE(n, 22);
  buf.writeUInt16BE(16, 26);
  const e = Math.floor(Math.log2(rate));
  buf.writeUInt16BE(16383 + e, 28);
  buf.writeBigUInt64BE(BigInt(rate) << BigInt(63 - e), 30);
  buf.write('SSND', 38);
  buf.writeUInt32BE(8 + n * 2, 42);
  for (let i = 0; i < n; i++) buf.writeInt16BE(Math.round(x[i]! * 32767), 54 + 2 * i);
  return buf;
}

describe('createMfccAudioEncoder', () => {
  it('has a stable id, kind and layout, and rejects bad options', () => {
    const enc = createMfccAudioEncoder();
    expect(enc.id).toBe('mfcc:v1:sr=16000:n=512:hop=256:mfccs=13');
    expect(enc.kind).toBe('audio');
    expect(enc.dims).toBe(DIMS);
    expect(audioLayout(13).map((b) => b.dims)).toEqual([13, 13, 13, 13, 5, 5]);
    expect(createMfccAudioEncoder({ sampleRate: 22050, bufferSize: 1024, hop: 512, mfccs: 20 }).dims).toBe(
      90,
    );
    expect(() => createMfccAudioEncoder({ bufferSize: 500 })).toThrow(InvalidArgumentError);
    expect(() => createMfccAudioEncoder({ hop: 0 })).toThrow(/hop/);
    expect(() => createMfccAudioEncoder({ mfccs: 41 })).toThrow(/mfccs/);
    expect(() => createMfccAudioEncoder({ sampleRate: 1000 })).toThrow(/sampleRate/);
  });

  it('gives finite, unit-norm vectors for every demo clip, deterministically; batch == one by one', async () => {
    const enc = createMfccAudioEncoder();
    const a = await enc.encode(inputs());
    expect(Array.from(a.ok)).toEqual(items.map(() => 1));
    for (let b = 0; b < items.length; b++) {
      const v = row(a.vectors, b);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(dot(v, v)).toBeCloseTo(1, 5);
    }
    expect((await createMfccAudioEncoder().encode(inputs())).vectors).toEqual(a.vectors);
    for (const [b, input] of inputs().slice(0, 6).entries()) {
      expect((await enc.encode([input])).vectors).toEqual(row(a.vectors, b));
      const bytes = await readFile(input.path!);
      expect((await enc.encode([{ id: input.id, bytes }])).vectors).toEqual(row(a.vectors, b));
    }
  });

  it('puts clips of one demo style closer together than clips of different styles', async () => {
    const { vectors } = await createMfccAudioEncoder().encode(inputs());
    let [intra, inter, ni, nx] = [0, 0, 0, 0];
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        const c = dot(row(vectors, a), row(vectors, b));
        if (items[a]!.style === items[b]!.style) [intra, ni] = [intra + c, ni + 1];
        else [inter, nx] = [inter + c, nx + 1];
      }
    }
    console.log(
      `mfcc audio: mean cosine within style ${(intra / ni).toFixed(3)}, across ${(inter / nx).toFixed(3)}`,
    );
    expect(intra / ni).toBeGreaterThan(inter / nx + 0.1);
  });

  it('gives a 44.1 kHz stereo file nearly the vector of the same content at 16 kHz mono', async () => {
    const s = clip(220, 44100);
    const d = clip(1500, 44100, 1, 7).map((x) => x * 0.5);
    // Left and right differ, but their mean is exactly the 16 kHz clip's content.
    const stereo = wav([s.map((x, i) => x + d[i]!), s.map((x, i) => x - d[i]!)], 44100);
    const r = await createMfccAudioEncoder().encode([
      { id: 'stereo44', bytes: stereo },
      { id: 'mono16', bytes: wav([clip(220, 16000)], 16000) },
      { id: 'other', bytes: wav([clip(520, 16000, 1, 3)], 16000) },
    ]);
    expect(Array.from(r.ok)).toEqual([1, 1, 1]);
    const same = dot(row(r.vectors, 0), row(r.vectors, 1));
    const other = dot(row(r.vectors, 1), row(r.vectors, 2));
    console.log(
      `mfcc audio: cosine 44.1 kHz stereo vs 16 kHz mono ${same.toFixed(4)}, vs other content ${other.toFixed(4)}`,
    );
    expect(same).toBeGreaterThan(0.99);
    expect(same).toBeGreaterThan(other + 0.1);
  });

  it('reads 8/16/24/32-bit and float WAV and AIFF (via audio-decode) alike', async () => {
    const x = clip(330, 16000);
    const formats = ['16', '8', '24', '32', '32f'].map((depth) => ({
      id: depth,
      bytes: wav([x], 16000, depth),
    }));
    const r = await createMfccAudioEncoder().encode([...formats, { id: 'aiff', bytes: aiff(x, 16000) }]);
    expect(r.errors).toEqual(formats.map(() => undefined).concat([undefined]));
    for (let b = 1; b < formats.length + 1; b++) {
      expect(dot(row(r.vectors, 0), row(r.vectors, b))).toBeGreaterThan(b === 1 ? 0.98 : 0.9999);
    }
  });

  it('fails corrupt, unsupported, empty and missing files with their reasons, and encodes the rest', async () => {
    const files: Record<string, Uint8Array> = {
      'noise.mp3': randomBytes(4096),
      'empty.wav': new Uint8Array(0),
      'truncated.mp3': Buffer.concat([Buffer.from('ID3'), Buffer.alloc(500, 1)]),
      'no-data.wav': wav([new Float64Array(0)], 16000),
      'bad-header.wav': Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '), randomBytes(20)]),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
    const good = inputs().slice(0, 2);
    const batch: EncoderInput[] = [
      good[0]!,
      ...Object.keys(files).map((name) => ({ id: name, path: join(root, name) })),
      { id: 'missing', path: join(root, 'missing.wav') },
      { id: 'nothing' },
      good[1]!,
    ];
    const r = await createMfccAudioEncoder().encode(batch);
    expect(Array.from(r.ok)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(r.errors[1]).toMatch(/noise\.mp3: unsupported or unrecognised audio format/);
    expect(r.errors[2]).toMatch(/empty\.wav: file is empty/);
    expect(r.errors[3]).toMatch(/truncated\.mp3: no audio could be decoded/);
    expect(r.errors[4]).toMatch(/no-data\.wav: no audio samples/);
    expect(r.errors[5]).toMatch(/bad-header\.wav: ./);
    expect(r.errors[6]).toMatch(/missing\.wav: .*ENOENT/);
    expect(r.errors[7]).toMatch(/item nothing: .*neither a path nor bytes/);
    for (let b = 1; b <= 7; b++) expect(row(r.vectors, b).every((v) => v === 0)).toBe(true);
    const alone = await createMfccAudioEncoder().encode(good);
    expect(row(r.vectors, 0)).toEqual(row(alone.vectors, 0));
    expect(row(r.vectors, 8)).toEqual(row(alone.vectors, 1));
  });

  it('encodes silence and clips shorter than one frame to finite vectors', async () => {
    const r = await createMfccAudioEncoder().encode([
      { id: 'silence', bytes: wav([new Float64Array(16000)], 16000) },
      { id: 'short', bytes: wav([clip(440, 16000, 0.01)], 16000) },
      { id: 'one-sample', bytes: wav([new Float64Array([0.5])], 44100) },
    ]);
    expect(r.errors).toEqual([undefined, undefined, undefined]);
    expect(r.vectors.every(Number.isFinite)).toBe(true);
  });

  it('gives the same vectors inside a worker thread', async () => {
    const moduleUrl = new URL('./mfcc.ts', import.meta.url).href;
    const paths = inputs()
      .slice(0, 4)
      .map((i) => i.path);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api').then(async (tsx) => {
        tsx.register();
        const m = await import(workerData.moduleUrl);
        const r = await m.createMfccAudioEncoder().encode(workerData.paths.map((path, i) => ({ id: String(i), path })));
        parentPort.postMessage(r.vectors);
      });`;
    const fromWorker = await new Promise<Float32Array>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { moduleUrl, paths }, execArgv: [] });
      w.once('message', (v: Float32Array) => {
        resolve(v);
        void w.terminate();
      });
      w.once('error', reject);
    });
    const here = await createMfccAudioEncoder().encode(paths.map((path, i) => ({ id: String(i), path })));
    expect(fromWorker).toEqual(here.vectors);
  });

  it('measures throughput on the demo 1 s clips', async () => {
    const enc = createMfccAudioEncoder();
    const batch = [...inputs(), ...inputs(), ...inputs(), ...inputs(), ...inputs()];
    await enc.encode(inputs().slice(0, 8));
    const t0 = performance.now();
    const r = await enc.encode(batch);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `mfcc audio encoder: ${(batch.length / seconds).toFixed(0)} clips/s (1 s, 16 kHz WAV; ${batch.length} in ${seconds.toFixed(2)} s)`,
    );
    expect(r.ok.every((x) => x === 1)).toBe(true);
  });
});
