/** Server paths never reach clients: the media root is cut off, other absolute paths shortened. */
import { describe, expect, it } from 'vitest';
import { redactPaths } from './redact.js';

describe('redactPaths', () => {
  it('keeps media references relative and cuts other absolute paths to their file name', () => {
    expect(
      redactPaths(
        '/srv/shop/media/img/a.png: Input buffer contains unsupported image format',
        '/srv/shop/media',
      ),
    ).toBe('img/a.png: Input buffer contains unsupported image format');
    expect(redactPaths("ENOENT: no such file or directory, open '/home/x/models/3/manifest.json'")).toBe(
      "ENOENT: no such file or directory, open '…/manifest.json'",
    );
    expect(redactPaths('cannot read C:\\data\\shop\\a.wav')).toBe('cannot read …\\a.wav');
  });

  it('leaves URLs, relative paths and plain text alone', () => {
    for (const s of [
      'see https://example.com/a/b/c.png',
      'uploads/abc-image.png is missing',
      'expected a/b, got 3/4',
      'route /v1/items/{id}/media/{kind}',
    ])
      expect(redactPaths(s)).toBe(s);
  });
});
