/**
 * @module io/dense-ids
 * Id assignment for formats whose ids are already dense 0-based integers (MMRec): when every raw
 * id is a non-negative integer, index = the integer (so row i of an `.npy` file is item i);
 * otherwise indices follow the order of first appearance.
 */
import { IdMap } from '../data/id-map.js';

const CANONICAL_INT = /^(0|[1-9]\d{0,8})$/;

/** Collects raw ids, giving each a provisional first-appearance index. */
export class DenseIds {
  private readonly seen = new IdMap();
  private numeric = true;
  private max = -1;

  /** Provisional index (order of first appearance) of `raw`. */
  add(raw: string): number {
    const known = this.seen.get(raw);
    if (known !== undefined) return known;
    if (this.numeric) {
      if (CANONICAL_INT.test(raw)) this.max = Math.max(this.max, Number(raw));
      else this.numeric = false;
    }
    return this.seen.add(raw);
  }

  /**
   * The final IdMap and `remap[provisional] = final` (undefined when unchanged). Numeric order is
   * used when all ids are non-negative integers and the range is not much larger than the number
   * of distinct ids (max + 1 <= 4 x distinct + 1024, so original sparse ids do not create phantom
   * rows); the map then holds "0".."max" (extended to `minSize`).
   */
  finish(minSize = 0): { map: IdMap; remap?: Int32Array } {
    const distinct = this.seen.size;
    const size = Math.max(this.max + 1, minSize);
    if (!this.numeric || size > 4 * distinct + 1024 + minSize) return { map: this.seen };
    const map = IdMap.from(Array.from({ length: size }, (_, i) => String(i)));
    const remap = new Int32Array(distinct);
    for (let k = 0; k < distinct; k++) remap[k] = Number(this.seen.raw(k));
    return { map, remap };
  }
}

/** Applies `remap` in place to `ids` (no-op when undefined). */
export function applyRemap(ids: Int32Array, remap: Int32Array | undefined): void {
  if (!remap) return;
  for (let k = 0; k < ids.length; k++) ids[k] = remap[ids[k]!]!;
}
