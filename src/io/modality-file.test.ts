import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { LogBuilder } from '../data/log.js';
import { AlreadyExistsError, InvalidInputError, MismatchError } from '../errors.js';
import { datasetPath, hasDataset } from './data-root.js';
import { loadMmrecInter } from './mmrec-inter.js';
import { attachNpyModality } from './modality-file.js';
import { writeNpy } from './npy.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-modality-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tiny(nItems: number): Dataset {
  const ids = Array.from({ length: nItems }, (_, i) => `i${i}`);
  return {
    name: 'tiny',
    source: 'mem',
    users: IdMap.from(['u']),
    items: IdMap.from(ids),
    log: new LogBuilder().build(),
    modalities: [],
  };
}

describe('attachNpyModality', () => {
  it('attaches rows and marks all-zero rows missing', async () => {
    const file = join(dir, 'f.npy');
    await writeNpy(file, [3, 2], Float64Array.from([1, 0, 0, 0, 0, -2]));
    const ds = tiny(3);
    const m = await attachNpyModality(ds, 'feat', file);
    expect(ds.modalities).toEqual([m]);
    expect(m).toMatchObject({ name: 'feat', dim: 2, source: file });
    expect(Array.from(m.present)).toEqual([1, 0, 1]);
    await expect(attachNpyModality(ds, 'feat', file)).rejects.toThrow(AlreadyExistsError);
  });

  it('rejects a row count that differs from the items, and non-2-D arrays', async () => {
    const file = join(dir, 'g.npy');
    await writeNpy(file, [3, 2], new Float32Array(6));
    const err = await attachNpyModality(tiny(4), 'g', file).catch((e: Error) => e);
    expect(err).toBeInstanceOf(MismatchError);
    expect((err as Error).message).toMatch(/3 rows.*4 items/);
    const flat = join(dir, 'h.npy');
    await writeNpy(flat, [4], new Float32Array(4));
    await expect(attachNpyModality(tiny(4), 'h', flat)).rejects.toThrow(InvalidInputError);
  });

  const lfm = 'lastfm-2k-mm';
  if (!hasDataset(lfm)) console.log(`skipping modality data test: ${datasetPath(lfm)} is absent`);
  it.skipIf(!hasDataset(lfm))('attaches the lastfm-2k-mm features to lfm2k.inter', async () => {
    const ds = await loadMmrecInter(datasetPath(lfm, 'mmrec', 'lfm2k.inter'));
    for (const [name, dim] of [
      ['vggish', 128],
      ['whisper', 512],
      ['all-MiniLM-L6-v2', 384],
    ] as const) {
      const m = await attachNpyModality(ds, name, datasetPath(lfm, 'features', `${name}.npy`));
      expect(m.dim).toBe(dim);
      expect(m.present.length).toBe(1425);
    }
    expect(ds.modalities.map((m) => m.name)).toEqual(['vggish', 'whisper', 'all-MiniLM-L6-v2']);
  });
});
