/**
 * @module splits/common
 * Building blocks shared by every split: option checks, per-user deduplication of the log (so that
 * one (user, item) pair can never land in two parts), share arithmetic and Split assembly.
 */
import { Interactions } from '../data/interactions.js';
import type { InteractionLog } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import type { Split } from './split.js';

/** Shares of (train, valid, test); non-negative, train > 0, summing to 1. */
export type Ratios = readonly [train: number, valid: number, test: number];

/** The default 80/10/10 shares (MMRec's per-user random split). */
export const DEFAULT_RATIOS: Ratios = [0.8, 0.1, 0.1];

/** Log rows kept after deduplication, grouped by user. */
export interface UserRows {
  /** Length nUsers + 1: user u's kept rows are `rows[ptr[u] .. ptr[u + 1])`. */
  readonly ptr: Int32Array;
  /** Kept log rows, grouped by user, ascending row order within each user. */
  readonly rows: Int32Array;
}

/** Rows of the train, valid and test parts. */
export type Parts = [train: number[], valid: number[], test: number[]];

/** Throws unless `seed` is an integer. */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new InvalidArgumentError(`${where}: option "seed" must be an integer, got ${String(seed)}`);
  }
  return seed;
}

/** Checks a (train, valid, test) share triple; `option` names it in the error. */
export function checkRatios(ratios: unknown, option: string, where: string): Ratios {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(
      `${where}: option "${option}" ${why}; expected [train, valid, test] shares, each >= 0, ` +
        `train > 0, summing to 1 (e.g. [0.8, 0.1, 0.1]), got ${JSON.stringify(ratios)}`,
    );
  };
  if (!Array.isArray(ratios) || ratios.length !== 3) return fail('must have three entries');
  const r = ratios as unknown[];
  if (!r.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
    return fail('must hold finite non-negative numbers');
  }
  const [a, b, c] = r as [number, number, number];
  if (!(a > 0)) return fail('needs a train share > 0');
  if (Math.abs(a + b + c - 1) > 1e-6) return fail('must sum to 1');
  return [a, b, c];
}

/** Throws unless nUsers and nItems are non-negative integers. */
export function checkShape(nUsers: number, nItems: number, where: string): void {
  for (const [name, v] of [
    ['nUsers', nUsers],
    ['nItems', nItems],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new InvalidArgumentError(`${where}: ${name} must be a non-negative integer, got ${v}`);
    }
  }
}

/** `floor(n * share)`, immune to float noise such as 0.29 * 100 = 28.999999999999996. */
export function floorShare(n: number, share: number): number {
  return Math.floor(n * share + 1e-9);
}

/** Ratios as a short label: [0.8, 0.1, 0.1] → "8:1:1", [0.7, 0.15, 0.15] → "14:3:3". */
export function ratioLabel(ratios: Ratios): string {
  for (const scale of [10, 100, 1000, 10000]) {
    const ints = ratios.map((r) => Math.round(r * scale));
    if (ints.every((v, k) => Math.abs(v - ratios[k]! * scale) < 1e-6)) {
      const g = ints.reduce((x, y) => gcd(x, y));
      return ints.map((v) => v / g).join(':');
    }
  }
  return ratios.join(':');
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Groups the log's rows by user and drops duplicate (user, item) pairs, keeping the latest event
 * by timestamp (ties: the later row), as Interactions.fromLog merges them. Throws on a user or
 * item index outside nUsers x nItems.
 */
export function dedupeByUser(log: InteractionLog, nUsers: number, nItems: number, where: string): UserRows {
  checkShape(nUsers, nItems, where);
  const counts = new Int32Array(nUsers + 1);
  for (let r = 0; r < log.length; r++) {
    const u = log.users[r]!;
    const i = log.items[r]!;
    if (!(u >= 0 && u < nUsers && i >= 0 && i < nItems)) {
      throw new InvalidArgumentError(
        `${where}: log row ${r} has (user ${u}, item ${i}) outside ${nUsers} x ${nItems}`,
      );
    }
    counts[u + 1]!++;
  }
  for (let u = 0; u < nUsers; u++) counts[u + 1]! += counts[u]!;
  const grouped = new Int32Array(log.length);
  const fill = counts.slice(0, nUsers);
  for (let r = 0; r < log.length; r++) grouped[fill[log.users[r]!]!++] = r;

  const markUser = new Int32Array(nItems).fill(-1);
  const keepRow = new Int32Array(nItems);
  const ptr = new Int32Array(nUsers + 1);
  const rows = new Int32Array(log.length);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = counts[u]!;
    const end = counts[u + 1]!;
    for (let k = start; k < end; k++) {
      const r = grouped[k]!;
      const i = log.items[r]!;
      if (markUser[i] !== u || log.timestamps[r]! >= log.timestamps[keepRow[i]!]!) {
        markUser[i] = u;
        keepRow[i] = r;
      }
    }
    for (let k = start; k < end; k++) {
      const r = grouped[k]!;
      if (keepRow[log.items[r]!] === r) rows[n++] = r;
    }
    ptr[u + 1] = n;
  }
  return { ptr, rows: rows.slice(0, n) };
}

/** Sorts rows in place by (timestamp, row index) ascending. */
export function sortByTime(log: InteractionLog, rows: Int32Array): Int32Array {
  const ts = log.timestamps;
  return rows.sort((a, b) => ts[a]! - ts[b]! || a - b);
}

/** Assembles a Split from the rows of each part; every part has shape nUsers x nItems. */
export function buildSplit(
  method: string,
  log: InteractionLog,
  nUsers: number,
  nItems: number,
  parts: Parts,
  extra: Partial<Pick<Split, 'coldItems' | 'coldValidItems' | 'coldTestItems'>> = {},
): Split {
  return {
    method,
    train: Interactions.fromLog(log, nUsers, nItems, parts[0]),
    valid: Interactions.fromLog(log, nUsers, nItems, parts[1]),
    test: Interactions.fromLog(log, nUsers, nItems, parts[2]),
    ...extra,
  };
}
