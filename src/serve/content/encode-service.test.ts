/**
 * The encode service on real worker threads: vectors identical to the main thread's encoder,
 * a bounded queue (503 beyond it), a timeout that stops and replaces the worker, the audio
 * limits applied inside the workers.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createMfccAudioEncoder } from '../../encoders/audio/mfcc.js';
import { createBuiltinImageEncoder } from '../../encoders/image/builtin.js';
import { EncodeBusyError, EncodeTimeoutError } from './busy.js';
import { EncodeService } from './encode-service.js';

function wav8(samples: number, rate: number): Uint8Array {
  const out = Buffer.alloc(44 + samples + (samples % 2));
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
  out.writeUInt32LE(samples, 40);
  for (let i = 0; i < samples; i++)
    out[44 + i] = 128 + Math.round(60 * Math.sin(i / 3) + ((i * 7919) % 17) - 8);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

let service: EncodeService | undefined;
afterEach(async () => {
  await service?.dispose();
  service = undefined;
});

const AUDIO = { kind: 'audio' as const, name: 'mfcc' };

describe('EncodeService', () => {
  it('gives the same vectors as the encoders on the main thread, in input order', async () => {
    service = new EncodeService({ workers: 2, batchSize: 1 });
    const clips = [wav8(8000, 8000), wav8(4000, 22050), new Uint8Array([1, 2, 3])];
    const r = await service.encode(
      AUDIO,
      clips.map((bytes, k) => ({ id: `c${k}`, bytes })),
    );
    const local = await createMfccAudioEncoder().encode(clips.map((bytes, k) => ({ id: `c${k}`, bytes })));
    expect(r.id).toBe(createMfccAudioEncoder().id);
    expect([...r.ok]).toEqual([1, 1, 0]);
    expect(r.vectors).toEqual(local.vectors);
    expect(r.errors[2]).toMatch(/item c2: /);

    const png = new Uint8Array(
      await sharp({ create: { width: 80, height: 60, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer(),
    );
    const img = await service.encode({ kind: 'image', name: 'builtin', options: { maxPixels: 1000 } }, [
      { id: 'big', bytes: png },
    ]);
    expect(img.ok[0]).toBe(0);
    expect(img.errors[0]).toMatch(/80x60 = 4,800 pixels; the limit is 1,000 pixels/);
    const ok = await service.encode({ kind: 'image', name: 'builtin' }, [{ id: 'p', bytes: png }]);
    expect(ok.vectors).toEqual((await createBuiltinImageEncoder().encode([{ id: 'p', bytes: png }])).vectors);
  }, 60_000);

  it('applies the audio limits inside the workers', async () => {
    service = new EncodeService({ workers: 1, limits: { maxAudioSeconds: 5 } });
    const r = await service.encode(AUDIO, [{ id: 'long', bytes: wav8(8000 * 6, 8000) }]);
    expect(r.ok[0]).toBe(0);
    expect(r.errors[0]).toMatch(/6\.0 s long.*the limit is 5 s/);
  }, 60_000);

  it('answers 503 at once when maxQueue requests are already admitted', async () => {
    service = new EncodeService({ workers: 1, maxQueue: 2 });
    const clip = wav8(8000, 8000);
    const a = service.encode(AUDIO, [{ id: 'a', bytes: clip }]);
    const b = service.encode(AUDIO, [{ id: 'b', bytes: clip }]);
    const c = service.encode(AUDIO, [{ id: 'c', bytes: clip }]);
    const err = await c.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncodeBusyError);
    expect((err as EncodeBusyError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toBe(
      'the server is busy encoding media (2 encodes waiting, the limit is 2); retry later',
    );
    expect((await a).ok[0]).toBe(1);
    expect((await b).ok[0]).toBe(1);
    expect(service.pending).toBe(0);
    expect((await service.encode(AUDIO, [{ id: 'd', bytes: clip }])).ok[0]).toBe(1);
  }, 60_000);

  it('stops a batch past its timeout, replaces the worker and keeps serving', async () => {
    service = new EncodeService({ workers: 1 });
    const clip = wav8(8000, 8000);
    expect((await service.encode(AUDIO, [{ id: 'warm', bytes: clip }])).ok[0]).toBe(1);
    const long = wav8(1_000_000, 44100); // ~23 s of audio: far more than 5 ms of work
    const err = await service
      .encode(AUDIO, [{ id: 'slow', bytes: long }], 'posted audio', { timeoutMs: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncodeTimeoutError);
    expect((err as EncodeTimeoutError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toBe('encoding the posted audio took longer than 0.005 s and was stopped');
    const after = await service.encode(AUDIO, [{ id: 'after', bytes: clip }]);
    expect(after.ok[0]).toBe(1);
    expect(service.pending).toBe(0);
  }, 60_000);
});
