import { describe, expect, it } from 'vitest';
import type { EpochInfo } from '../models/recommender.js';
import { runEpochs } from './trainer.js';

describe('runEpochs', () => {
  it('runs up to maxEpochs, reporting each epoch', async () => {
    const seen: EpochInfo[] = [];
    const rep = await runEpochs(
      {
        seed: 1,
        maxEpochs: 3,
        onEpochEnd: (info) => {
          seen.push(info);
          return 'continue';
        },
      },
      (e) => 10 - e,
    );
    expect(rep.epochs).toBe(3);
    expect(rep.losses).toEqual([9, 8, 7]);
    expect(seen.map((s) => s.epoch)).toEqual([1, 2, 3]);
    expect(rep.trainSeconds).toBeGreaterThanOrEqual(0);
    expect(rep.trainSeconds).toBeCloseTo(
      seen.reduce((a, s) => a + s.seconds, 0),
      9,
    );
  });

  it('stops on "stop", awaits async epochs and checkpoints after each decision', async () => {
    const checkpoints: number[] = [];
    const rep = await runEpochs(
      { seed: 1, onEpochEnd: async (info) => (info.epoch === 2 ? 'stop' : 'continue') },
      async () => 0.5,
      { checkpoint: (info) => void checkpoints.push(info.epoch) },
    );
    expect(rep.epochs).toBe(2);
    expect(checkpoints).toEqual([1, 2]);
  });

  it('rejects a bad maxEpochs', async () => {
    await expect(runEpochs({ seed: 1, maxEpochs: 0 }, () => 0)).rejects.toThrow(/maxEpochs/);
  });
});
