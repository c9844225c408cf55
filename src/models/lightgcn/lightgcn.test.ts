import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { LogBuilder } from '../../data/log.js';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from '../recommender.js';
import { createModel, loadModel } from '../registry.js';
import { LightGcn } from './lightgcn.js';
import { Propagation } from './propagation.js';

/** Users and items in 4 taste clusters; each user mostly picks items of its own cluster. */
function clustered(nUsers: number, nItems: number, perUser: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const b = new LogBuilder();
  const per = nItems / 4;
  for (let u = 0; u < nUsers; u++) {
    const c = u % 4;
    for (let k = 0; k < perUser; k++) {
      const own = rng.next() < 0.85;
      b.push(u, own ? c * per + rng.int(per) : rng.int(nItems));
    }
  }
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

const train = clustered(160, 80, 8, 1);
const data: TrainingData = { train, modalities: [], fingerprint: 'fp-lgcn' };
const small = { dim: 16, layers: 3, lr: 0.01, batchSize: 128 };

async function trained(
  params: Record<string, unknown>,
  epochs: number,
): Promise<{ m: LightGcn; losses: number[] }> {
  const m = new LightGcn(params);
  const report = await m.fit(data, { seed: 3, maxEpochs: epochs });
  return { m, losses: report.losses };
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('LightGcn', () => {
  it('has MMRec defaults and rejects unknown parameters', () => {
    expect(new LightGcn().params).toEqual({
      dim: 64,
      layers: 3,
      lr: 0.001,
      reg: 1e-4,
      batchSize: 2048,
      threads: 2,
    });
    expect(() => new LightGcn({ depth: 2 })).toThrow(InvalidArgumentError);
    expect(() => new LightGcn({ layers: -1 })).toThrow(/layers/);
  });

  it('lowers the loss and learns the clusters, rescoring after every epoch', async () => {
    const m = new LightGcn(small);
    const seen: number[] = [];
    const report = await m.fit(data, {
      seed: 3,
      maxEpochs: 25,
      onEpochEnd: () => {
        const out = new Float32Array(80);
        m.scoreBatch(Int32Array.of(0), out);
        seen.push(out[0]!);
        return 'continue';
      },
    });
    expect(report.epochs).toBe(25);
    expect(new Set(seen).size).toBe(25); // the factors change every epoch
    const l = report.losses;
    expect(l[24]!).toBeLessThan(0.6 * l[0]!);
    expect(l[0]!).toBeGreaterThan(0.6); // starts near log 2
    // User 0 (cluster 0) prefers cluster-0 items among the items it has not seen.
    const top = m.recommend(0, 10, { exclude: (i) => train.has(0, i) });
    const own = Array.from(top.items).filter((i) => i < 20).length;
    expect(own).toBeGreaterThanOrEqual(7);
    expect(m.similarItems(3, 5).items.length).toBe(5);
  });

  it('gives the same numbers on 1 and 2 threads and for the same seed', async () => {
    const a = await trained({ ...small, threads: 1 }, 3);
    const b = await trained({ ...small, threads: 2 }, 3);
    expect(b.losses).toEqual(a.losses);
    expect(b.m.egoEmbeddings()).toEqual(a.m.egoEmbeddings());
    expect(b.m.scoringKernel()).toEqual(a.m.scoringKernel());
    const c = await trained({ ...small, threads: 2 }, 3);
    expect(c.m.egoEmbeddings()).toEqual(b.m.egoEmbeddings());
  });

  it('stops its threads when fit fails', async () => {
    const close = vi.spyOn(Propagation.prototype, 'close');
    const m = new LightGcn(small);
    await expect(
      m.fit(data, {
        seed: 1,
        onEpochEnd: () => {
          throw new Error('evaluation failed');
        },
      }),
    ).rejects.toThrow('evaluation failed');
    expect(close).toHaveBeenCalledTimes(1);
    close.mockRestore();
  });

  it('saves and loads E0, the scoring factors and the parameters', async () => {
    const { m } = await trained({ ...small, layers: 2 }, 2);
    const dir = await mkdtemp(join(tmpdir(), 'lgcn-'));
    dirs.push(dir);
    await m.save(dir);
    const back = await LightGcn.load(dir, 'fp-lgcn');
    expect(back.params).toEqual(m.params);
    expect(back.egoEmbeddings()).toEqual(m.egoEmbeddings());
    const users = Int32Array.of(0, 5, 159);
    const s1 = new Float32Array(3 * 80);
    const s2 = new Float32Array(3 * 80);
    m.scoreBatch(users, s1);
    back.scoreBatch(users, s2);
    expect(s2).toEqual(s1);
    const viaRegistry = await loadModel(dir);
    expect(viaRegistry.name).toBe('lightgcn');
    await expect(LightGcn.load(dir, 'another-dataset')).rejects.toThrow(MismatchError);
    expect(createModel('lightgcn', { dim: 8 }).params).toMatchObject({ dim: 8, layers: 3 });
  });
});
