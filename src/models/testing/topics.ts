/**
 * @module models/testing/topics
 * The small synthetic world the content-model tests share: 80 users who each like one of four
 * topics and have 8 warm items of it; items >= WARM have no training interactions (cold); the
 * "text" features reveal an item's topic under noise. Tests add their own further modalities from
 * the same random stream, so each test's data stays what it was.
 */
import { Interactions } from '../../data/interactions.js';
import type { Rng } from '../../util/rng.js';
import type { Recommender } from '../recommender.js';

export const TOPICS = 4;
export const N_USERS = 80;
export const N_ITEMS = 120;
/** Items i >= WARM never appear in training (items up to 91 can, as 22·4 + 3 = 91 < 92). */
export const WARM = 90;
export const topicOf = (i: number): number => i % TOPICS;

/** The training matrix: each user's 8 items of their topic (values from `value`, default 1). */
export function topicInteractions(rng: Rng, value: (item: number) => number = () => 1): Interactions {
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const picked = new Set<number>();
    while (picked.size < 8) picked.add(rng.int(WARM / TOPICS) * TOPICS + (u % TOPICS));
    for (const i of picked) {
      users.push(u);
      items.push(i);
    }
  }
  const n = users.length;
  return Interactions.fromLog(
    {
      length: n,
      users: Int32Array.from(users),
      items: Int32Array.from(items),
      values: Float32Array.from(items, value),
      timestamps: new Float64Array(n),
    },
    N_USERS,
    N_ITEMS,
  );
}

/** Topic-revealing features: noise 0.3 · N(0, 1) plus 2 in the topic's column. */
export function topicText(rng: Rng, dim = 6): Float32Array {
  const data = new Float32Array(N_ITEMS * dim);
  for (let i = 0; i < N_ITEMS; i++) {
    for (let k = 0; k < dim; k++) data[i * dim + k] = 0.3 * rng.normal();
    data[i * dim + topicOf(i)]! += 2;
  }
  return data;
}

/** Mean precision@5 over users when only the cold items are candidates (chance: 0.25). */
export function coldPrecision(m: Recommender): number {
  const scores = new Float32Array(N_ITEMS);
  let total = 0;
  for (let u = 0; u < N_USERS; u++) {
    m.scoreBatch(Int32Array.of(u), scores);
    const cold = Array.from({ length: N_ITEMS - WARM }, (_, k) => WARM + k);
    cold.sort((a, b) => scores[b]! - scores[a]! || a - b);
    total += cold.slice(0, 5).filter((i) => topicOf(i) === u % TOPICS).length / 5;
  }
  return total / N_USERS;
}
