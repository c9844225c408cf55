/**
 * @module serve/train/dataset
 * Builds a training {@link Dataset} from the store: every stored item (in store order; deleted
 * items are gone), the users with feedback, the positive feedback (by the rules), and one feature
 * modality per stored vector modality (row i = item i, presence mask for items without it).
 */
import type { Dataset } from '../../data/dataset.js';
import { IdMap } from '../../data/id-map.js';
import { LogBuilder } from '../../data/log.js';
import { isPositive, type PositiveRule } from '../../io/positive.js';
import { type FeatureModality, makeModality } from '../../modalities/modality.js';
import type { Store } from '../../store/types.js';

/** A dataset of the store's content and when it was read. */
export interface StoreDataset {
  dataset: Dataset;
  /** Server time (ms) at which the feedback was read. */
  dataTime: number;
}

export async function datasetFromStore(
  store: Store,
  rules: readonly PositiveRule[],
  name = 'store',
): Promise<StoreDataset> {
  const dataTime = Date.now();
  const items = IdMap.from((await store.allItems()).map((i) => i.id));
  const users = new IdMap();
  const log = new LogBuilder({ capacity: 4096 });
  for (const f of await store.allFeedback()) {
    const i = items.get(f.item);
    if (i === undefined || !isPositive(rules, f.type, f.value)) continue;
    log.push(users.add(f.user), i, f.value, f.timestamp);
  }
  const modalities: FeatureModality[] = [];
  for (const m of await store.vectorModalities()) {
    const mv = await store.modalityVectors(m);
    if (!mv) continue;
    const data = new Float32Array(items.size * mv.dim);
    const present = new Uint8Array(items.size);
    mv.ids.forEach((id, k) => {
      const i = items.get(id);
      if (i === undefined) return;
      data.set(mv.data.subarray(k * mv.dim, (k + 1) * mv.dim), i * mv.dim);
      present[i] = 1;
    });
    modalities.push(makeModality(m, items.size, mv.dim, data, mv.encoder, present));
  }
  return {
    dataset: { name, source: store.url, users, items, log: log.build(), modalities },
    dataTime,
  };
}
