/**
 * Media built in tests: PCM WAV files (whatever rate the header should claim), PNG files of a
 * given size (sharp), a PNG whose header alone claims a size, and a poller on its own thread that
 * measures a server's latency without sharing the server's event loop.
 */
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';

/** A mono 8-bit PCM WAV of `samples` samples whose header says `rate` Hz (a tone with some noise). */
export function wav8(samples: number, rate: number): Uint8Array {
  const out = Buffer.alloc(44 + samples + (samples % 2));
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate, 28); // byte rate
  out.writeUInt16LE(1, 32); // block align
  out.writeUInt16LE(8, 34); // bits
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples, 40);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const v = 128 + 60 * Math.sin((2 * Math.PI * 440 * i) / rate) + ((seed >>> 24) - 128) / 8;
    out[44 + i] = Math.max(0, Math.min(255, Math.round(v)));
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** A width x height PNG (a gradient, so the encoder has something to describe). */
export async function png(width: number, height: number): Promise<Uint8Array> {
  const tile = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366cc' } })
    .composite([
      {
        input: Buffer.from([255, 200, 0]),
        raw: { width: 1, height: 1, channels: 3 },
        tile: true,
        blend: 'over',
      },
    ])
    .png()
    .toBuffer();
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: tile, tile: true }])
    .png({ compressionLevel: 1 })
    .toBuffer();
  return new Uint8Array(bytes);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A small PNG whose IHDR claims `width` x `height` (only the header: the pixels are not there). */
export function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(17);
  ihdr.write('IHDR', 0, 'ascii');
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt32BE(height, 8);
  ihdr[12] = 8; // bit depth
  ihdr[13] = 2; // RGB
  const chunk = (body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length - 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = Buffer.concat([
    Buffer.from('IDAT', 'ascii'),
    Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
  ]);
  const bytes = Buffer.concat([sig, chunk(ihdr), chunk(idat), chunk(Buffer.from('IEND', 'ascii'))]);
  return new Uint8Array(bytes);
}

/** Latencies (ms) per polled path, measured from a thread of its own. */
export type Latencies = Record<string, number[]>;

const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { base, paths, everyMs, minSamples } = workerData;
const out = Object.fromEntries(paths.map((p) => [p, []]));
let stop = false;
parentPort.on('message', () => { stop = true; });
const one = async (p) => {
  const s = performance.now();
  const r = await fetch(base + p);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(p + ' answered ' + r.status);
  return performance.now() - s;
};
(async () => {
  for (let k = 0; k < 3; k++) for (const p of paths) await one(p);
  parentPort.postMessage('ready');
  // One request at a time per path, one every everyMs. An answer that took L > everyMs also
  // records L - everyMs, L - 2 everyMs, ... (the requests that would have been sent meanwhile:
  // HdrHistogram's correction for coordinated omission), so a stall weighs by its length.
  await Promise.all(paths.map(async (p) => {
    let next = performance.now();
    while (!stop || out[p].length < minSamples) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = performance.now() + everyMs;
      const ms = await one(p);
      out[p].push(ms);
      for (let missed = ms - everyMs; missed >= everyMs; missed -= everyMs) out[p].push(missed);
    }
  }));
  parentPort.postMessage(out);
})().catch((err) => parentPort.postMessage({ error: String(err) }));
`;

/**
 * Requests each of `paths` of `base` every `everyMs` from a worker thread while `work` runs, and on
 * until each path has `minSamples` samples. A slow answer also counts the requests that would
 * have been sent while it was awaited (coordinated-omission correction), so a blocked event loop
 * weighs by how long it was blocked, not as one sample. Resolves with `work`'s result and the latencies.
 */
export async function pollDuring<T>(
  base: string,
  paths: string[],
  work: () => Promise<T>,
  o: { everyMs?: number; minSamples?: number } = {},
): Promise<{ result: T; latencies: Latencies }> {
  const poller = new Worker(POLLER, {
    eval: true,
    workerData: { base, paths, everyMs: o.everyMs ?? 10, minSamples: o.minSamples ?? 100 },
  });
  let ready: () => void = () => {};
  const warm = new Promise<void>((r) => {
    ready = r;
  });
  const done = new Promise<Latencies>((resolve, reject) => {
    poller.on('message', (m: 'ready' | (Latencies & { error?: string })) => {
      if (m === 'ready') ready();
      else if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    poller.once('error', reject);
  });
  try {
    await Promise.race([warm, done]); // the poller's first requests (connection, fetch's start-up) are not counted
    const result = await work();
    poller.postMessage('stop'); // it stops once every path has minSamples answers
    return { result, latencies: await done };
  } finally {
    await poller.terminate();
  }
}

/** The p-quantile (0-1) of `values` (nearest rank). */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}
