import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { createEncoder, ENCODERS, encoderNames, getEncoderEntry, MEDIA_KINDS } from './registry.js';

describe('encoder registry', () => {
  it('is a frozen table of kinds and names', () => {
    expect(MEDIA_KINDS).toEqual(['text', 'image', 'audio']);
    expect(encoderNames('text')).toEqual(['builtin', 'transformer', 'clip', 'clap']);
    expect(encoderNames('image')).toEqual(['builtin', 'clip']);
    expect(encoderNames('audio')).toEqual(['mfcc', 'clap']);
    expect(Object.isFrozen(ENCODERS)).toBe(true);
    expect(Object.isFrozen(ENCODERS.text)).toBe(true);
    expect(Object.isFrozen(ENCODERS.text.builtin)).toBe(true);
    expect(() => {
      (ENCODERS.image as Record<string, unknown>).resnet = {};
    }).toThrow(TypeError);
  });

  it('says which encoders need weights', () => {
    const weights = MEDIA_KINDS.flatMap((k) =>
      encoderNames(k)
        .filter((n) => getEncoderEntry(k, n).needsWeights)
        .map((n) => `${k}/${n}`),
    );
    expect(weights).toEqual(['text/transformer', 'text/clip', 'text/clap', 'image/clip', 'audio/clap']);
    for (const k of MEDIA_KINDS)
      for (const n of encoderNames(k)) expect(getEncoderEntry(k, n).description).not.toBe('');
  });

  it('creates the built-in encoders by name with their options', async () => {
    const text = await createEncoder('text', 'builtin', { dim: 12 });
    expect([text.kind, text.dims]).toEqual(['text', 12]);
    const image = await createEncoder('image', 'builtin', { size: 32 });
    expect([image.kind, image.id]).toEqual(['image', 'builtin-image:v1:size=32']);
    const audio = await createEncoder('audio', 'mfcc');
    expect(audio.kind).toBe('audio');
    await Promise.all([text.dispose(), image.dispose(), audio.dispose()]);
    await expect(createEncoder('image', 'builtin', { size: 3 })).rejects.toThrow(InvalidArgumentError);
  });

  it('lists the valid names on an unknown kind or name', async () => {
    expect(() => getEncoderEntry('audio', 'vggish')).toThrow(
      /unknown audio encoder "vggish". Should be one of: mfcc, clap/,
    );
    expect(() => getEncoderEntry('video' as 'text', 'x')).toThrow(/Should be one of: text, image, audio/);
    expect(() => getEncoderEntry('text', 'toString')).toThrow(InvalidArgumentError);
    await expect(createEncoder('image', 'vit')).rejects.toThrow(/builtin, clip/);
  });
});
