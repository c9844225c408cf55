/**
 * @module serve/train/train-tune.test
 * `trainVersion` with `tuneBudgetSeconds`: tunes on validation first, fits the chosen setting,
 * and stores the setting with the budget in the version's report; the request check bounds it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store, StoredFeedback, StoredItem } from '../../store/types.js';
import { Rng } from '../../util/rng.js';
import { TrainBody } from '../http/schemas.js';
import { trainVersion } from './train.js';
import { validateTrainSpec } from './validate.js';

function items(n: number): StoredItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    text: { title: `item ${i}` },
    categories: [],
    labels: [],
    attributes: {},
    timestamp: 1000 + i,
    hidden: false,
    modalities: {},
  }));
}

/** 60 users in 4 taste groups over 40 items. */
function feedback(): StoredFeedback[] {
  const rng = new Rng(3);
  const out: StoredFeedback[] = [];
  for (let u = 0; u < 60; u++) {
    for (let k = 0; k < 10; k++) {
      const i = rng.next() < 0.9 ? (u % 4) + 4 * rng.int(10) : rng.int(40);
      out.push({ user: `u${u}`, item: `i${i}`, type: 'click', value: 1, timestamp: 2000 + k });
    }
  }
  return out;
}

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  await store.upsertItems(items(40));
  await store.insertFeedback(feedback());
});
afterEach(async () => {
  await store.close();
});

describe('trainVersion with a tuning budget', () => {
  it('stores the chosen setting and the budget used with the version', async () => {
    const phases: string[] = [];
    const out = await trainVersion(
      store,
      { model: 'bpr', params: { dim: 8 }, epochs: 30, patience: 3, tuneBudgetSeconds: 3 },
      (p) => phases.push(p.phase),
    );
    expect(phases[0]).toBe('load');
    expect(phases).toContain('tune');
    expect(phases.indexOf('tune')).toBeLessThan(phases.indexOf('train'));
    const tuning = out.report.tuning as Record<string, unknown>;
    expect(tuning.budgetSeconds).toBe(3);
    expect(tuning.usedSeconds as number).toBeGreaterThan(0);
    expect(tuning.usedSeconds as number).toBeLessThan(3 + 2);
    const chosen = tuning.params as Record<string, unknown>;
    expect(chosen.dim).toBe(8); // fixed params are kept
    // the version was trained with the chosen setting, and stores it
    const v = await store.getModelVersion(out.version);
    for (const [k, val] of Object.entries(chosen)) expect(v!.params[k]).toEqual(val);
    expect((v!.report as { tuning?: unknown }).tuning).toEqual(tuning);
  }, 30_000);

  it('has no tuning entry without a budget', async () => {
    const out = await trainVersion(store, { model: 'bpr', params: { dim: 8 }, epochs: 2 });
    expect(out.report.tuning).toBeUndefined();
  });

  it('checks the budget against the server limit', () => {
    expect(() => validateTrainSpec({ model: 'bpr', tuneBudgetSeconds: 0 })).toThrow(/tuneBudgetSeconds/);
    expect(() => validateTrainSpec({ model: 'bpr', tuneBudgetSeconds: 4000 })).toThrow(/<= 3600/);
    expect(() => validateTrainSpec({ model: 'bpr', tuneBudgetSeconds: 60 })).not.toThrow();
  });

  it('is accepted by the POST /v1/models/train body', () => {
    expect(TrainBody.parse({ model: 'bpr', tuneBudgetSeconds: 90 }).tuneBudgetSeconds).toBe(90);
    expect(TrainBody.safeParse({ model: 'bpr', tuneBudgetSeconds: -1 }).success).toBe(false);
  });
});
