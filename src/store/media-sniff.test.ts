/** Uploads are recognised by their magic numbers; SVG, HTML and text are not media. */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors.js';
import { checkUploadBytes, sniffMedia } from './media.js';

const b = (...parts: (string | number[])[]) =>
  new Uint8Array(
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))),
  );

describe('sniffMedia', () => {
  it('knows the picture and sound formats by their first bytes', () => {
    const cases: [Uint8Array, string][] = [
      [b([0x89], 'PNG\r\n\x1a\n', [0, 0]), 'image/png'],
      [b([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
      [b('GIF89a..'), 'image/gif'],
      [b('RIFF\0\0\0\0WEBPVP8 '), 'image/webp'],
      [b('RIFF\0\0\0\0WAVEfmt '), 'audio/wav'],
      [b('ID3\x04\0\0'), 'audio/mpeg'],
      [b([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
      [b('OggS\0\x02'), 'audio/ogg'],
      [b('fLaC\0\0\0\x22'), 'audio/flac'],
    ];
    for (const [bytes, type] of cases) expect(sniffMedia(bytes)?.type, type).toBe(type);
  });

  it('knows no SVG, HTML, text or empty input', () => {
    for (const s of [
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
      '<!doctype html>',
      'BMW is a car brand, ok?',
      '',
    ])
      expect(sniffMedia(b(s)), s).toBeUndefined();
  });
});

describe('checkUploadBytes', () => {
  it('refuses bytes of another kind or format than declared', () => {
    const png = b([0x89], 'PNG\r\n\x1a\n', [0, 0]);
    expect(() => checkUploadBytes('image', png, 'image/png')).not.toThrow();
    expect(() => checkUploadBytes('image', b('hello'), 'image/png')).toThrow(InvalidRequestError);
    expect(() => checkUploadBytes('image', png, 'image/jpeg')).toThrow(/PNG/);
    expect(() => checkUploadBytes('audio', png, 'audio/wav')).toThrow(/audio/);
  });
});
