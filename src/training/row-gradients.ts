/**
 * @module training/row-gradients
 * Summing the gradients of table rows that appear several times in a batch, so that a lazy
 * optimiser step (Adam.stepRows, Sgd.stepRows) sees each row once: an in-place compaction of a
 * gradient list, and an accumulator that hands out one compact slot per row as gradients arrive.
 */

/**
 * Sums the gradients of repeated rows in place: afterwards rows[0..n) are distinct (in order of
 * first appearance) and grads[0..n*rowSize) their summed gradients. Returns n.
 */
export function sumDuplicateRows(
  rows: Int32Array,
  grads: Float32Array,
  rowSize: number,
  count: number = rows.length,
): number {
  const first = new Map<number, number>();
  let n = 0;
  for (let k = 0; k < count; k++) {
    const row = rows[k]!;
    const at = first.get(row);
    const src = k * rowSize;
    if (at === undefined) {
      first.set(row, n);
      rows[n] = row;
      if (n !== k) grads.copyWithin(n * rowSize, src, src + rowSize);
      n++;
    } else {
      const dst = at * rowSize;
      for (let j = 0; j < rowSize; j++) grads[dst + j]! += grads[src + j]!;
    }
  }
  return n;
}

/**
 * Accumulates per-row gradients of a batch into compact distinct rows without a summing pass:
 * slot(row) gives the row's place in `grads` (zeroed on first use). After the batch, pass
 * `rows`, `grads`, `count` to an optimiser's stepRows and call reset().
 */
export class RowGradients {
  readonly rows: Int32Array;
  grads: Float32Array;
  count = 0;
  private readonly slots: Int32Array;

  constructor(
    nRows: number,
    readonly rowSize: number,
    capacity = 1024,
  ) {
    this.slots = new Int32Array(nRows).fill(-1);
    this.rows = new Int32Array(nRows);
    this.grads = new Float32Array(Math.min(nRows, capacity) * rowSize);
  }

  /** The compact slot of `row` (allocated and zeroed on first use in this batch). */
  slot(row: number): number {
    let s = this.slots[row]!;
    if (s >= 0) return s;
    s = this.count++;
    this.slots[row] = s;
    this.rows[s] = row;
    const need = this.count * this.rowSize;
    if (need > this.grads.length) {
      const g = new Float32Array(
        Math.min(this.rows.length * this.rowSize, Math.max(need, this.grads.length * 2)),
      );
      g.set(this.grads);
      this.grads = g;
    }
    this.grads.fill(0, s * this.rowSize, need);
    return s;
  }

  /** Forgets the batch's rows. */
  reset(): void {
    for (let k = 0; k < this.count; k++) this.slots[this.rows[k]!] = -1;
    this.count = 0;
  }
}
