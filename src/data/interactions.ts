/**
 * @module data/interactions
 * User x item interactions in CSR form (compressed sparse rows): row u holds the items of user u
 * sorted ascending, with their values and timestamps. Duplicate (user, item) pairs are merged,
 * keeping the latest event's value and timestamp (ties: the later row).
 */
import { InvalidArgumentError } from '../errors.js';
import { sortedIncludes } from '../math/sorted.js';
import type { InteractionLog } from './log.js';

export class Interactions {
  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    /** Row pointers, length nUsers + 1. */
    readonly indptr: Int32Array,
    /** Item indices, sorted ascending within each row. */
    readonly indices: Int32Array,
    readonly values: Float32Array,
    readonly timestamps: Float64Array,
  ) {
    if (indptr.length !== nUsers + 1) {
      throw new InvalidArgumentError(
        `Interactions: indptr has length ${indptr.length}, expected ${nUsers + 1}`,
      );
    }
  }

  /** An empty matrix of the given shape. */
  static empty(nUsers: number, nItems: number): Interactions {
    return new Interactions(
      nUsers,
      nItems,
      new Int32Array(nUsers + 1),
      new Int32Array(0),
      new Float32Array(0),
      new Float64Array(0),
    );
  }

  /** Builds the CSR matrix from a log (optionally only the rows listed in `rows`). */
  static fromLog(
    log: InteractionLog,
    nUsers: number,
    nItems: number,
    rows?: ArrayLike<number>,
  ): Interactions {
    const count = rows ? rows.length : log.length;
    const rowAt = (k: number): number => (rows ? rows[k]! : k);
    // Counting sort by user, then sort each row by (item, timestamp, position) to merge duplicates.
    const rowCounts = new Int32Array(nUsers + 1);
    for (let k = 0; k < count; k++) {
      const r = rowAt(k);
      const u = log.users[r]!;
      const i = log.items[r]!;
      if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
        throw new InvalidArgumentError(
          `Interactions.fromLog: row ${r} has (user ${u}, item ${i}) outside ${nUsers} x ${nItems}`,
        );
      }
      rowCounts[u + 1]!++;
    }
    for (let u = 0; u < nUsers; u++) rowCounts[u + 1]! += rowCounts[u]!;
    const order = new Int32Array(count);
    const fill = rowCounts.slice(0, nUsers);
    for (let k = 0; k < count; k++) {
      const r = rowAt(k);
      const u = log.users[r]!;
      order[fill[u]!++] = r;
    }
    const indptr = new Int32Array(nUsers + 1);
    const indices = new Int32Array(count);
    const values = new Float32Array(count);
    const timestamps = new Float64Array(count);
    let nnz = 0;
    for (let u = 0; u < nUsers; u++) {
      const seg = Array.from(order.subarray(rowCounts[u]!, rowCounts[u + 1]!));
      seg.sort((a, b) => log.items[a]! - log.items[b]! || log.timestamps[a]! - log.timestamps[b]! || a - b);
      for (const r of seg) {
        const item = log.items[r]!;
        if (nnz > indptr[u]! && indices[nnz - 1] === item) {
          values[nnz - 1] = log.values[r]!;
          timestamps[nnz - 1] = log.timestamps[r]!;
          continue;
        }
        indices[nnz] = item;
        values[nnz] = log.values[r]!;
        timestamps[nnz] = log.timestamps[r]!;
        nnz++;
      }
      indptr[u + 1] = nnz;
    }
    return new Interactions(
      nUsers,
      nItems,
      indptr,
      indices.slice(0, nnz),
      values.slice(0, nnz),
      timestamps.slice(0, nnz),
    );
  }

  /** Number of stored (user, item) pairs. */
  get nnz(): number {
    return this.indices.length;
  }

  /** Items of user u (a view, sorted ascending). */
  row(u: number): Int32Array {
    return this.indices.subarray(this.indptr[u]!, this.indptr[u + 1]!);
  }

  rowLength(u: number): number {
    return this.indptr[u + 1]! - this.indptr[u]!;
  }

  /** Whether user u interacted with item i (binary search in the sorted row). */
  has(u: number, i: number): boolean {
    return sortedIncludes(this.indices, i, this.indptr[u]!, this.indptr[u + 1]!);
  }

  /** Interactions per item. */
  itemCounts(): Int32Array {
    const c = new Int32Array(this.nItems);
    for (let k = 0; k < this.indices.length; k++) c[this.indices[k]!]!++;
    return c;
  }

  /** Users that have at least one interaction, ascending. */
  activeUsers(): Int32Array {
    const out: number[] = [];
    for (let u = 0; u < this.nUsers; u++) if (this.indptr[u + 1]! > this.indptr[u]!) out.push(u);
    return Int32Array.from(out);
  }

  /** The item x user matrix (CSR of the transpose). */
  transpose(): Interactions {
    const counts = new Int32Array(this.nItems + 1);
    for (let k = 0; k < this.indices.length; k++) counts[this.indices[k]! + 1]!++;
    for (let i = 0; i < this.nItems; i++) counts[i + 1]! += counts[i]!;
    const fill = counts.slice(0, this.nItems);
    const indices = new Int32Array(this.nnz);
    const values = new Float32Array(this.nnz);
    const timestamps = new Float64Array(this.nnz);
    for (let u = 0; u < this.nUsers; u++) {
      for (let k = this.indptr[u]!; k < this.indptr[u + 1]!; k++) {
        const pos = fill[this.indices[k]!]!++;
        indices[pos] = u;
        values[pos] = this.values[k]!;
        timestamps[pos] = this.timestamps[k]!;
      }
    }
    return new Interactions(this.nItems, this.nUsers, counts, indices, values, timestamps);
  }
}
