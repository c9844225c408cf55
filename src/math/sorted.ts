/**
 * @module math/sorted
 * Membership tests on ascending Int32Array slices (CSR rows are sorted).
 */

/** Whether `x` occurs in `arr[lo..hi)` (ascending); binary search. */
export function sortedIncludes(arr: Int32Array, x: number, lo = 0, hi = arr.length): boolean {
  hi -= 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = arr[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
