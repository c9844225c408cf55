import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors.js';
import { extensionFor, mediaContentType, normalizeMediaRef, resolveMediaPath } from './media.js';

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-media-'));
const root = join(dir, 'root');
mkdirSync(join(root, 'images'), { recursive: true });
writeFileSync(join(root, 'images', 'a.png'), 'png');
writeFileSync(join(dir, 'secret.txt'), 'secret');
symlinkSync(join(dir, 'secret.txt'), join(root, 'images', 'link.png'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('media root confinement', () => {
  it('normalises paths inside the root and rejects escapes', () => {
    expect(normalizeMediaRef(root, 'images/./a.png', 'image')).toBe('images/a.png');
    expect(normalizeMediaRef(root, join(root, 'images/a.png'), 'image')).toBe('images/a.png');
    expect(normalizeMediaRef(root, 'https://x.org/a.png', 'image')).toBe('https://x.org/a.png');
    expect(() => normalizeMediaRef(root, '../secret.txt', '[0].image')).toThrow(InvalidRequestError);
    expect(() => normalizeMediaRef(root, 'images/../../secret.txt', 'image')).toThrow(
      /inside the media root/,
    );
    expect(() => normalizeMediaRef(root, join(dir, 'secret.txt'), 'image')).toThrow(InvalidRequestError);
    expect(() => normalizeMediaRef(root, '', 'image')).toThrow(InvalidRequestError);
  });

  it('resolves existing files only, and not through links leading out', async () => {
    expect(await resolveMediaPath(root, 'images/a.png')).toMatch(/images[\\/]a\.png$/);
    expect(await resolveMediaPath(root, 'images/missing.png')).toBeUndefined();
    expect(await resolveMediaPath(root, '../secret.txt')).toBeUndefined();
    expect(await resolveMediaPath(root, 'images/link.png')).toBeUndefined();
  });

  it('knows content types', () => {
    expect(mediaContentType('a/b.PNG')).toBe('image/png');
    expect(mediaContentType('x.wav')).toBe('audio/wav');
    expect(extensionFor('audio/wav')).toBe('.wav');
    expect(extensionFor('image/jpeg; q=1')).toBe('.jpg');
  });
});
