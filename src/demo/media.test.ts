/**
 * @module demo/media.test
 * The demo's images and sounds are real PNG / WAV files whose content depends on the style.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { Rng } from '../util/rng.js';
import { renderAudio, renderSamples } from './audio.js';
import { generateDemo } from './generate.js';
import { makeStyles } from './styles.js';

interface TruthStyle {
  name: string;
  pitch: number;
}
interface Truth {
  styles: TruthStyle[];
  items: { id: string; style: string }[];
}

let root = '';
let dir = '';
let truth: Truth;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-demo-media-'));
  dir = join(root, 'demo');
  await generateDemo(dir, {
    items: 60,
    users: 10,
    styles: 4,
    seed: 3,
    imageSize: 40,
    audioSeconds: 0.5,
    sampleRate: 8000,
  });
  truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Truth;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function byStyle<T>(values: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  truth.items.forEach((it, i) => {
    const list = out.get(it.style) ?? [];
    list.push(values[i] as T);
    out.set(it.style, list);
  });
  return out;
}

/** Largest Goertzel power over 1 Hz steps in [lo, hi] Hz. */
function bandPower(x: Float64Array, sampleRate: number, lo: number, hi: number): number {
  let best = 0;
  for (let f = Math.floor(lo); f <= hi; f++) {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / sampleRate);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      const s0 = (x[i] ?? 0) + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    best = Math.max(best, s1 * s1 + s2 * s2 - coeff * s1 * s2);
  }
  return best;
}

describe('demo images', () => {
  it('are RGB PNGs of the requested size whose mean colour tells the style apart', async () => {
    const means: number[][] = [];
    for (const it of truth.items) {
      const bytes = await readFile(join(dir, 'images', `${it.id}.png`));
      expect(bytes.readUInt8(25)).toBe(2); // IHDR colour type: RGB
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([40, 40]);
      const sum = [0, 0, 0];
      for (let p = 0; p < png.data.length; p += 4) for (let c = 0; c < 3; c++) sum[c]! += png.data[p + c]!;
      means.push(sum.map((s) => s / (40 * 40)));
    }
    const centroids = [...byStyle(means).values()].map((list) =>
      [0, 1, 2].map((c) => list.reduce((a, m) => a + m[c]!, 0) / list.length),
    );
    expect(centroids.length).toBe(4);
    const dist = (a: number[], b: number[]): number =>
      Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    for (let a = 0; a < centroids.length; a++) {
      for (let b = a + 1; b < centroids.length; b++)
        expect(dist(centroids[a]!, centroids[b]!)).toBeGreaterThan(25);
    }
    // Nearest-centroid classification by mean colour alone is nearly perfect.
    const names = [...byStyle(means).keys()];
    let right = 0;
    means.forEach((m, i) => {
      const d = centroids.map((c) => dist(m, c));
      if (names[d.indexOf(Math.min(...d))] === truth.items[i]!.style) right++;
    });
    expect(right / means.length).toBeGreaterThan(0.8);
  });
});

describe('demo audio', () => {
  it('is 16-bit mono WAV of the requested rate and length, pitched by style', async () => {
    const zcr: number[] = [];
    for (const it of truth.items) {
      const wav = new wavefile.WaveFile(await readFile(join(dir, 'audio', `${it.id}.wav`)));
      const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
      expect(fmt).toMatchObject({ sampleRate: 8000, numChannels: 1, bitsPerSample: 16 });
      const samples = wav.getSamples(false, Float64Array) as Float64Array;
      expect(samples.length).toBe(4000);
      // The item's own style's pitch band (the style pitch +-5%, as the item jitters) is the loudest.
      const powers = truth.styles.map((st) => bandPower(samples, 8000, st.pitch * 0.95, st.pitch * 1.05));
      expect(truth.styles[powers.indexOf(Math.max(...powers))]?.name).toBe(it.style);
      let crossings = 0;
      for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
      zcr.push(crossings / samples.length);
    }
    const meanZcr = [...byStyle(zcr).values()].map((l) => l.reduce((a, b) => a + b, 0) / l.length);
    expect(Math.max(...meanZcr) / Math.min(...meanZcr)).toBeGreaterThan(1.5);
  });

  it('writes exactly the bytes wavefile itself would write for the same samples', () => {
    for (const style of makeStyles(3, new Rng(5))) {
      const wav = new wavefile.WaveFile();
      wav.fromScratch(1, 8000, '16', renderSamples(style, new Rng(9), 0.2, 8000));
      expect(renderAudio(style, new Rng(9), 0.2, 8000).equals(Buffer.from(wav.toBuffer()))).toBe(true);
    }
  });
});
