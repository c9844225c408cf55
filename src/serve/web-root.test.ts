import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWebRoot } from './web-root.js';

describe('defaultWebRoot', () => {
  it('is dist/web of the package, whatever the current directory', () => {
    expect(defaultWebRoot()).toBe(join(resolve(import.meta.dirname, '../..'), 'dist', 'web'));
  });
});
