/**
 * @module data/id-map
 * The one place where raw string ids become dense indices (0..n-1) and back.
 */
import { NotFoundError } from '../errors.js';

/** A growable bijection between raw string ids and dense indices 0..size-1. */
export class IdMap {
  private readonly toIndex = new Map<string, number>();
  private readonly toRaw: string[] = [];

  /** Builds a map whose index i is `ids[i]`; duplicates are rejected. */
  static from(ids: Iterable<string>): IdMap {
    const m = new IdMap();
    for (const id of ids) {
      if (m.has(id)) throw new NotFoundError(`duplicate id "${id}" in IdMap.from`);
      m.add(id);
    }
    return m;
  }

  get size(): number {
    return this.toRaw.length;
  }

  has(raw: string): boolean {
    return this.toIndex.has(raw);
  }

  /** Index of `raw`, adding it at the end when new. */
  add(raw: string): number {
    const found = this.toIndex.get(raw);
    if (found !== undefined) return found;
    const idx = this.toRaw.length;
    this.toIndex.set(raw, idx);
    this.toRaw.push(raw);
    return idx;
  }

  /** Index of `raw`, or undefined when unknown. */
  get(raw: string): number | undefined {
    return this.toIndex.get(raw);
  }

  /** Index of `raw`; throws NotFoundError naming `what` (e.g. "user") when unknown. */
  index(raw: string, what = 'id'): number {
    const idx = this.toIndex.get(raw);
    if (idx === undefined) throw new NotFoundError(`unknown ${what} "${raw}"`);
    return idx;
  }

  /** Raw id of index `idx`. */
  raw(idx: number): string {
    const r = this.toRaw[idx];
    if (r === undefined) throw new NotFoundError(`index ${idx} is outside 0..${this.toRaw.length - 1}`);
    return r;
  }

  /** All raw ids in index order (a copy). */
  ids(): string[] {
    return this.toRaw.slice();
  }
}
