/**
 * @module data/kcore
 * k-core filtering: repeatedly drops users with fewer than `userK` and items with fewer than
 * `itemK` interactions (counting unique user-item pairs) until none remain, then re-indexes.
 */
import { InvalidArgumentError } from '../errors.js';
import { makeModality } from '../modalities/modality.js';
import type { Dataset } from './dataset.js';
import { IdMap } from './id-map.js';
import { Interactions } from './interactions.js';
import { type InteractionLog, selectRows } from './log.js';

/** Minimum interactions per user and per item. */
export interface KcoreOptions {
  userK: number;
  itemK: number;
}

/** What survives k-core filtering and how indices move. */
export interface KcoreResult {
  /** Positions of the kept log rows, ascending. */
  rows: Int32Array;
  /** Old user index -> new index, or -1 when dropped. */
  userMap: Int32Array;
  /** Old item index -> new index, or -1 when dropped. */
  itemMap: Int32Array;
  /** New user index -> old index (order preserved). */
  keptUsers: Int32Array;
  /** New item index -> old index (order preserved). */
  keptItems: Int32Array;
}

function checkK(name: string, k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new InvalidArgumentError(`kcore: ${name} must be a non-negative integer, got ${k}`);
  }
}

function compact(alive: Uint8Array): { map: Int32Array; kept: Int32Array } {
  const map = new Int32Array(alive.length).fill(-1);
  const kept: number[] = [];
  for (let i = 0; i < alive.length; i++) {
    if (alive[i]) {
      map[i] = kept.length;
      kept.push(i);
    }
  }
  return { map, kept: Int32Array.from(kept) };
}

/**
 * Computes the (userK, itemK)-core of `log` over `nUsers` x `nItems`: the largest set of users
 * and items where every user has >= userK distinct items and every item >= itemK distinct users.
 * Users and items without interactions are dropped when their k is >= 1. Uses queue-based
 * peeling, which reaches the same fixed point as repeated passes, in O(pairs).
 */
export function kcore(
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  options: KcoreOptions,
): KcoreResult {
  checkK('userK', options.userK);
  checkK('itemK', options.itemK);
  const byUser = Interactions.fromLog(log, nUsers, nItems);
  const byItem = byUser.transpose();
  const userDeg = new Int32Array(nUsers);
  const itemDeg = new Int32Array(nItems);
  for (let u = 0; u < nUsers; u++) userDeg[u] = byUser.rowLength(u);
  for (let i = 0; i < nItems; i++) itemDeg[i] = byItem.rowLength(i);
  const userAlive = new Uint8Array(nUsers).fill(1);
  const itemAlive = new Uint8Array(nItems).fill(1);
  // Queue entries: user u as u, item i as ~i (negative).
  const queue: number[] = [];
  for (let u = 0; u < nUsers; u++) if (userDeg[u]! < options.userK) queue.push(u);
  for (let i = 0; i < nItems; i++) if (itemDeg[i]! < options.itemK) queue.push(~i);
  for (let head = 0; head < queue.length; head++) {
    const q = queue[head]!;
    if (q >= 0) {
      if (!userAlive[q]) continue;
      userAlive[q] = 0;
      for (const i of byUser.row(q)) {
        if (!itemAlive[i]) continue;
        const d = itemDeg[i]!;
        itemDeg[i] = d - 1;
        if (d === options.itemK) queue.push(~i);
      }
    } else {
      const i = ~q;
      if (!itemAlive[i]) continue;
      itemAlive[i] = 0;
      for (const u of byItem.row(i)) {
        if (!userAlive[u]) continue;
        const d = userDeg[u]!;
        userDeg[u] = d - 1;
        if (d === options.userK) queue.push(u);
      }
    }
  }
  const users = compact(userAlive);
  const items = compact(itemAlive);
  const rows: number[] = [];
  for (let r = 0; r < log.length; r++) {
    if (userAlive[log.users[r]!] && itemAlive[log.items[r]!]) rows.push(r);
  }
  return {
    rows: Int32Array.from(rows),
    userMap: users.map,
    itemMap: items.map,
    keptUsers: users.kept,
    keptItems: items.kept,
  };
}

/**
 * Returns a new Dataset restricted to the k-core of `ds`: id maps re-indexed with order
 * preserved, the kept log rows with remapped indices (labels kept), and the catalog and
 * modality rows of the kept items. `ds` itself is not changed.
 */
export function applyKcore(ds: Dataset, options: KcoreOptions): Dataset {
  const res = kcore(ds.log, ds.users.size, ds.items.size, options);
  const log = selectRows(ds.log, res.rows);
  for (let k = 0; k < log.length; k++) {
    log.users[k] = res.userMap[log.users[k]!]!;
    log.items[k] = res.itemMap[log.items[k]!]!;
  }
  const nItems = res.keptItems.length;
  const modalities = ds.modalities.map((m) => {
    const data = new Float32Array(nItems * m.dim);
    const present = new Uint8Array(nItems);
    res.keptItems.forEach((old, i) => {
      data.set(m.data.subarray(old * m.dim, (old + 1) * m.dim), i * m.dim);
      present[i] = m.present[old]!;
    });
    return makeModality(m.name, nItems, m.dim, data, m.source, present);
  });
  const catalog = ds.catalog;
  return {
    name: ds.name,
    source: ds.source,
    users: IdMap.from(Array.from(res.keptUsers, (u) => ds.users.raw(u))),
    items: IdMap.from(Array.from(res.keptItems, (i) => ds.items.raw(i))),
    log,
    ...(catalog !== undefined ? { catalog: Array.from(res.keptItems, (i) => catalog[i]) } : {}),
    modalities,
  };
}
