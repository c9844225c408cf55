import { describe, expect, it } from 'vitest';
import type { EncoderInput } from './encoder.js';
import { encodeInPool, encodeSerial } from './pool.js';
import { createEncoder } from './registry.js';
import { createBuiltinTextEncoder } from './text/builtin.js';

const words = ['alien', 'planet', 'love', 'paris', 'detective', 'london', 'chef', 'bread', 'storm', 'sea'];
const inputs: EncoderInput[] = Array.from({ length: 203 }, (_, k) => ({
  id: `i${k}`,
  text:
    k % 50 === 7 ? '' : `${words[k % 10]} ${words[(k * 7) % 10]} story number ${k} ${words[(k * 3) % 10]}`,
}));

describe('encodeInPool', () => {
  it('gives exactly the single-thread output of the fitted text encoder, in input order', async () => {
    const enc = createBuiltinTextEncoder({ dim: 48, seed: 5 });
    await enc.fit(inputs);
    const serial = await encodeSerial(enc, inputs, 16);
    const seen: number[] = [];
    const pooled = await encodeInPool(inputs, {
      kind: 'text',
      name: 'builtin',
      options: { dim: 48, seed: 5 },
      state: enc.exportState(),
      workers: 2,
      batchSize: 10,
      expectId: enc.id,
      onProgress: (done) => seen.push(done),
    });
    expect(pooled.id).toBe(enc.id);
    expect(pooled.dims).toBe(48);
    expect(Array.from(pooled.ok)).toEqual(Array.from(serial.ok));
    expect(pooled.errors).toEqual(serial.errors);
    expect(pooled.errors[7]).toBe('no text');
    expect(Buffer.from(pooled.vectors.buffer).equals(Buffer.from(serial.vectors.buffer))).toBe(true);
    expect(seen.at(-1)).toBe(inputs.length);
    // The serial path matches one big encode() call too.
    const whole = await enc.encode(inputs);
    expect(Array.from(serial.vectors)).toEqual(Array.from(whole.vectors));
  });

  it('ships the SVD state to workers too', async () => {
    const options = { dim: 8, method: 'svd' as const, seed: 2 };
    const enc = createBuiltinTextEncoder(options);
    await enc.fit(inputs);
    const serial = await enc.encode(inputs);
    const pooled = await encodeInPool(inputs, {
      kind: 'text',
      name: 'builtin',
      options,
      state: enc.exportState(),
      workers: 2,
      batchSize: 50,
    });
    expect(pooled.id).toBe(enc.id);
    expect(Array.from(pooled.vectors)).toEqual(Array.from(serial.vectors));
  });

  it('rejects with the worker error when the encoder cannot be built, or the id differs', async () => {
    await expect(
      encodeInPool(inputs.slice(0, 3), { kind: 'text', name: 'builtin', options: { dim: -1 }, workers: 1 }),
    ).rejects.toThrow(/dim/);
    const enc = createBuiltinTextEncoder({ dim: 8 });
    await enc.fit(inputs);
    await expect(
      encodeInPool(inputs.slice(0, 3), {
        kind: 'text',
        name: 'builtin',
        options: { dim: 8 },
        state: enc.exportState(),
        workers: 1,
        expectId: 'something-else',
      }),
    ).rejects.toThrow(/expected "something-else"/);
  });
});

describe('registry through the pool path', () => {
  it('creates the built-in text encoder by name and lists valid names on a typo', async () => {
    const enc = await createEncoder('text', 'builtin', { dim: 8 });
    expect(enc.kind).toBe('text');
    await expect(createEncoder('text', 'bulitin')).rejects.toThrow(/builtin, transformer, clip, clap/);
    await expect(createEncoder('video' as 'text', 'x')).rejects.toThrow(/text, image, audio/);
  });
});
