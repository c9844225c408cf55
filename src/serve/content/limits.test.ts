/**
 * The server's header-only media checks: a clip or picture over a limit is a 400 naming the field,
 * with what it is and what the limit is; media whose header cannot be read are left to the encoder.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidRequestError } from '../../errors.js';
import { checkMediaHeader, DEFAULT_MEDIA_LIMITS, mediaLimits } from './limits.js';

function wavHeader(frames: number, rate: number, channels = 1, bits = 16): Uint8Array {
  const dataBytes = (frames * channels * bits) / 8;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE((rate * channels * bits) / 8, 28);
  out.writeUInt16LE((channels * bits) / 8, 32);
  out.writeUInt16LE(bits, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

async function caught(p: Promise<unknown>): Promise<InvalidRequestError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return err as InvalidRequestError;
  }
  throw new Error('expected a rejection');
}

describe('checkMediaHeader', () => {
  const limits = mediaLimits({ maxAudioSeconds: 10, maxImagePixels: 10_000 });

  it('refuses a clip over the duration limit, naming the field', async () => {
    const err = await caught(checkMediaHeader('audio', wavHeader(8000 * 11, 8000), limits));
    expect(err.field).toBe('audio');
    expect(err.detail).toBe(
      'the clip is 11.0 s long (88,000 samples at 8000 Hz, 1 channel); the limit is 10 s',
    );
    await expect(checkMediaHeader('audio', wavHeader(8000 * 9, 8000), limits)).resolves.toBeUndefined();
  });

  it('refuses a picture over the pixel limit from its header', async () => {
    const big = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const err = await caught(checkMediaHeader('image', new Uint8Array(big), limits, 'photo'));
    expect(err.field).toBe('photo');
    expect(err.detail).toBe('the image is 200x100 = 20,000 pixels; the limit is 10,000 pixels');
    const small = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expect(checkMediaHeader('image', new Uint8Array(small), limits)).resolves.toBeUndefined();
  });

  it('leaves media it cannot read to the encoder', async () => {
    const junk = new TextEncoder().encode('not media');
    await expect(checkMediaHeader('image', junk, limits)).resolves.toBeUndefined();
    await expect(checkMediaHeader('audio', junk, limits)).resolves.toBeUndefined();
  });
});

describe('mediaLimits', () => {
  it('fills defaults and refuses non-positive limits', () => {
    expect(mediaLimits()).toEqual(DEFAULT_MEDIA_LIMITS);
    expect(mediaLimits({ maxAudioSeconds: 30 }).maxAudioSeconds).toBe(30);
    expect(() => mediaLimits({ maxImagePixels: 0 })).toThrow(InvalidArgumentError);
  });
});
