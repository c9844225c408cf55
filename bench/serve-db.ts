/**
 * @module bench/serve-db
 * The synthetic serving database of bench/serve.ts and bench/startup.ts: `items` items (50
 * categories), `users` users with `perUser` click events each, and a trained-looking 64-d BPR
 * version (seeded low-rank clusters with log-normal norms, src/serve/retrieval/synthetic.ts)
 * stored as a real, active model version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeArtifact } from '../src/models/artifact.js';
import { syntheticFactors } from '../src/serve/retrieval/synthetic.js';
import { openStore } from '../src/store/open.js';
import type { StoredFeedback, StoredItem, StoredUser } from '../src/store/types.js';
import { Rng } from '../src/util/rng.js';

export interface ServeDbShape {
  items: number;
  users: number;
  dim: number;
  perUser: number;
}

export interface ServeDb {
  /** Store URL (sqlite://…). */
  db: string;
  version: number;
  users: Float32Array;
  items: Float32Array;
  seconds: number;
}

/** Builds the database in `dir` (bench.db). */
export async function buildServeDb(dir: string, shape: ServeDbShape): Promise<ServeDb> {
  const { items: nItems, users: nUsers, dim, perUser } = shape;
  const t0 = performance.now();
  const db = `sqlite://${join(dir, 'bench.db')}`;
  const { items, queries } = syntheticFactors(nItems, dim, 2024);
  const users = queries(nUsers);
  const rng = new Rng(11);
  const itemRows: StoredItem[] = Array.from({ length: nItems }, (_, i) => ({
    id: `item-${i}`,
    text: {},
    categories: [`cat-${i % 50}`],
    labels: [],
    attributes: {},
    timestamp: 1_600_000_000 + i,
    hidden: false,
    modalities: {},
  }));
  const userRows: StoredUser[] = Array.from({ length: nUsers }, (_, u) => ({
    id: `user-${u}`,
    labels: [],
    attributes: {},
  }));
  const feedback: StoredFeedback[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let k = 0; k < perUser; k++) {
      feedback.push({
        user: `user-${u}`,
        item: `item-${rng.int(nItems)}`,
        type: 'click',
        value: 1,
        timestamp: 1_700_000_000 + k,
      });
    }
  }
  const store = await openStore(db);
  let version: number;
  try {
    await store.importAll({ items: itemRows, vectors: [], users: userRows, feedback });
    await store.setMeta('encoders', {});
    const art = join(dir, 'artifact');
    await writeArtifact(
      art,
      {
        model: 'bpr',
        params: { dim },
        dims: { users: nUsers, items: nItems, dim },
        fingerprint: 'bench-serve',
      },
      { userFactors: users, itemFactors: items },
    );
    const files = readdirSync(art).map((name) => ({ name, data: readFileSync(join(art, name)) }));
    version = await store.addModelVersion({
      name: 'bpr',
      params: { dim },
      metrics: {},
      report: { synthetic: true },
      items: itemRows.map((i) => i.id),
      users: userRows.map((u) => u.id),
      files,
    });
    await store.activateModelVersion(version);
  } finally {
    await store.close();
  }
  return { db, version, users, items, seconds: (performance.now() - t0) / 1000 };
}
