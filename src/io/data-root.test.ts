import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataRoot, datasetPath, hasDataset, repoRoot } from './data-root.js';

const saved = process.env.FUSIONREC_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.FUSIONREC_DATA;
  else process.env.FUSIONREC_DATA = saved;
});

describe('data root', () => {
  it('finds the repository root and defaults to ../shared/data next to it', () => {
    delete process.env.FUSIONREC_DATA;
    expect(existsSync(join(repoRoot(), 'package.json'))).toBe(true);
    expect(dataRoot()).toBe(resolve(repoRoot(), '../shared/data'));
  });

  it('honours FUSIONREC_DATA', () => {
    process.env.FUSIONREC_DATA = '/nowhere/at/all';
    expect(dataRoot()).toBe('/nowhere/at/all');
    expect(datasetPath('x', 'y.npy')).toBe(join('/nowhere/at/all', 'x', 'y.npy'));
    expect(hasDataset('lastfm-2k-mm')).toBe(false);
  });
});
