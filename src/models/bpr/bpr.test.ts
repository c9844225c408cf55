import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { InvalidArgumentError, MismatchError } from '../../errors.js';
import { evaluateRanking } from '../../eval/evaluator.js';
import { Rng } from '../../util/rng.js';
import { createModel, loadModel } from '../registry.js';
import { Bpr } from './bpr.js';

/** Two user communities, each liking its own half of the items (with a little noise). */
function clustered(nUsers: number, nItems: number, perUser: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const half = nItems / 2;
  for (let u = 0; u < nUsers; u++) {
    const base = u % 2 === 0 ? 0 : half;
    for (let k = 0; k < perUser; k++) {
      users.push(u);
      items.push(rng.next() < 0.9 ? base + rng.int(half) : rng.int(nItems));
    }
  }
  const n = users.length;
  return Interactions.fromLog(
    {
      length: n,
      users: Int32Array.from(users),
      items: Int32Array.from(items),
      values: new Float32Array(n).fill(1),
      timestamps: new Float64Array(n),
    },
    nUsers,
    nItems,
  );
}

const train = clustered(60, 40, 8, 1);
const data = { train, modalities: [], fingerprint: 'fp-bpr' };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('bpr', () => {
  it('validates parameters, listing the valid ones', () => {
    expect(() => new Bpr({ dims: 8 })).toThrow(InvalidArgumentError);
    expect(() => new Bpr({ dims: 8 })).toThrow(/dim, lr, reg, batchSize/);
    expect(() => new Bpr({ dim: 0 })).toThrow(/dim/);
    expect(() => new Bpr({ optimizer: 'rmsprop' })).toThrow(/"adam", "sgd"/);
    expect(() => new Bpr({ loss: 'mse' })).toThrow(InvalidArgumentError);
    expect(() => new Bpr({ loss: 'mse' })).toThrow(/loss.*"bpr", "bce"/);
    expect(new Bpr().params.loss).toBe('bpr');
    expect(new Bpr({ loss: 'bce' }).params.loss).toBe('bce');
    expect(new Bpr({ dim: '16' }).params.dim).toBe(16);
    expect(new Bpr().params).toMatchObject({ dim: 64, lr: 0.001, reg: 1e-4, batchSize: 2048, negatives: 1 });
  });

  it('decreases its loss and learns the communities', async () => {
    const m = new Bpr({ dim: 8, lr: 0.01, batchSize: 64 });
    const rep = await m.fit(data, { seed: 3, maxEpochs: 40 });
    expect(rep.epochs).toBe(40);
    expect(rep.losses[39]!).toBeLessThan(rep.losses[0]! * 0.6);
    expect(rep.losses[0]!).toBeCloseTo(Math.LN2, 1);
    const r = await evaluateRanking(m, train, [], { ks: [10], workers: 1 });
    expect(r.metrics['recall@10']!).toBeGreaterThan(0.4);
    // A user of community 0 is recommended mostly items of the first half.
    const top = m.recommend(0, 10, { exclude: (i) => train.has(0, i) });
    expect(Array.from(top.items).filter((i) => i < 20).length).toBeGreaterThanOrEqual(8);
  });

  it("with loss 'bce' and 3 negatives, decreases its loss and learns the communities", async () => {
    const m = new Bpr({ dim: 8, lr: 0.01, batchSize: 64, loss: 'bce', negatives: 3 });
    const rep = await m.fit(data, { seed: 3, maxEpochs: 40 });
    expect(rep.epochs).toBe(40);
    // Per positive: −log σ(s⁺) − Σ_3 log(1 − σ(s⁻)) ≈ 4 ln 2 at the small initial scores.
    expect(rep.losses[0]!).toBeCloseTo(4 * Math.LN2, 1);
    expect(rep.losses[39]!).toBeLessThan(rep.losses[0]! * 0.7);
    for (let e = 5; e < 40; e += 5) expect(rep.losses[e]!).toBeLessThan(rep.losses[e - 5]!);
    const top = m.recommend(0, 10, { exclude: (i) => train.has(0, i) });
    expect(Array.from(top.items).filter((i) => i < 20).length).toBeGreaterThanOrEqual(8);
  });

  it("with loss 'bce', ranks held-out items far above random (hit@10 > 3× random)", async () => {
    // 10 clusters of 20 items; each user has 9 items of its cluster, one of which is held out.
    const nUsers = 200;
    const nItems = 200;
    const rng = new Rng(21);
    const users: number[] = [];
    const items: number[] = [];
    const heldOut = new Int32Array(nUsers);
    for (let u = 0; u < nUsers; u++) {
      const base = (u % 10) * 20;
      const picked = new Set<number>();
      while (picked.size < 9) picked.add(base + rng.int(20));
      const list = [...picked];
      heldOut[u] = list.pop()!;
      for (const i of list) {
        users.push(u);
        items.push(i);
      }
    }
    const n = users.length;
    const split = Interactions.fromLog(
      {
        length: n,
        users: Int32Array.from(users),
        items: Int32Array.from(items),
        values: new Float32Array(n).fill(1),
        timestamps: new Float64Array(n),
      },
      nUsers,
      nItems,
    );
    const m = new Bpr({ dim: 16, lr: 0.01, batchSize: 64, loss: 'bce', negatives: 3 });
    await m.fit({ train: split, modalities: [], fingerprint: 'fp-bce' }, { seed: 5, maxEpochs: 30 });
    let hits = 0;
    let random = 0;
    for (let u = 0; u < nUsers; u++) {
      const top = m.recommend(u, 10, { exclude: (i) => split.has(u, i) });
      if (Array.from(top.items).includes(heldOut[u]!)) hits++;
      random += 10 / (nItems - 8);
    }
    expect(hits / nUsers).toBeGreaterThan((3 * random) / nUsers);
  });

  it('is deterministic: same seed, identical factors; another seed differs', async () => {
    const scores = async (seed: number, params: Record<string, unknown>): Promise<Float32Array> => {
      const m = new Bpr({ dim: 8, batchSize: 50, ...params });
      await m.fit(data, { seed, maxEpochs: 5 });
      const out = new Float32Array(3 * train.nItems);
      m.scoreBatch(Int32Array.of(0, 7, 59), out);
      return out;
    };
    for (const params of [
      {},
      { optimizer: 'sgd', lr: 0.05, negatives: 3, init: 'xavier-normal' },
      { loss: 'bce', negatives: 3 },
    ]) {
      const a = await scores(11, params);
      expect(Array.from(await scores(11, params))).toEqual(Array.from(a));
      expect(Array.from(await scores(12, params))).not.toEqual(Array.from(a));
    }
  });

  it('stops when onEpochEnd says stop and reports each epoch', async () => {
    const m = new Bpr({ dim: 4 });
    const epochs: number[] = [];
    const rep = await m.fit(data, {
      seed: 1,
      onEpochEnd: (info) => {
        epochs.push(info.epoch);
        expect(m.fitted).toBe(true);
        return info.epoch === 3 ? 'stop' : 'continue';
      },
    });
    expect(rep.epochs).toBe(3);
    expect(epochs).toEqual([1, 2, 3]);
  });

  it('save → load gives identical scores; another fingerprint is a MismatchError', async () => {
    const m = createModel('bpr', { dim: 8 });
    await m.fit(data, { seed: 2, maxEpochs: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'fusionrec-bpr-'));
    dirs.push(dir);
    await m.save(dir);
    const back = await loadModel(dir, 'fp-bpr');
    expect(back).toBeInstanceOf(Bpr);
    expect(back.params).toEqual(m.params);
    const users = Int32Array.from({ length: train.nUsers }, (_, u) => u);
    const a = new Float32Array(users.length * train.nItems);
    const b = new Float32Array(users.length * train.nItems);
    m.scoreBatch(users, a);
    back.scoreBatch(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    await expect(Bpr.load(dir, 'another-dataset')).rejects.toThrow(MismatchError);
  });

  it.each([
    ['bpr', 0.6],
    ['bce', 0.7],
  ] as const)('trains with Hogwild worker threads (threads: 2, loss %s)', async (loss, ratio) => {
    const m = new Bpr({ dim: 8, lr: 0.01, batchSize: 64, threads: 2, loss });
    const rep = await m.fit(data, { seed: 3, maxEpochs: 40 });
    expect(rep.losses[39]!).toBeLessThan(rep.losses[0]! * ratio);
    const r = await evaluateRanking(m, train, [], { ks: [10], workers: 1 });
    expect(r.metrics['recall@10']!).toBeGreaterThan(0.4);
  });
});
