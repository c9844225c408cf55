/**
 * @module data/log
 * An interaction log: parallel typed arrays of (user, item, value, timestamp[, split label]),
 * in dense indices. Importers produce logs; splits cut them; Interactions (CSR) are built from them.
 */
import { InvalidArgumentError } from '../errors.js';

/** Split label of a predefined split (MMRec's `x_label`). */
export const SPLIT_LABEL = { train: 0, valid: 1, test: 2 } as const;

export interface InteractionLog {
  readonly length: number;
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly values: Float32Array;
  /** Unix seconds; 0 where unknown. */
  readonly timestamps: Float64Array;
  /** Predefined split labels (0 train, 1 valid, 2 test) when the source carries them. */
  readonly labels?: Int8Array;
}

/** Grows an InteractionLog row by row (amortised doubling, no per-row objects). */
export class LogBuilder {
  private cap: number;
  private n = 0;
  private users: Int32Array;
  private items: Int32Array;
  private values: Float32Array;
  private timestamps: Float64Array;
  private labels: Int8Array | undefined;

  constructor(options: { withLabels?: boolean; capacity?: number } = {}) {
    this.cap = Math.max(16, options.capacity ?? 1024);
    this.users = new Int32Array(this.cap);
    this.items = new Int32Array(this.cap);
    this.values = new Float32Array(this.cap);
    this.timestamps = new Float64Array(this.cap);
    this.labels = options.withLabels ? new Int8Array(this.cap) : undefined;
  }

  get length(): number {
    return this.n;
  }

  push(user: number, item: number, value = 1, timestamp = 0, label?: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.users[i] = user;
    this.items[i] = item;
    this.values[i] = value;
    this.timestamps[i] = timestamp;
    if (this.labels) {
      if (label === undefined)
        throw new InvalidArgumentError('LogBuilder.push: this log needs a split label');
      this.labels[i] = label;
    }
  }

  build(): InteractionLog {
    const n = this.n;
    const log: InteractionLog = {
      length: n,
      users: this.users.slice(0, n),
      items: this.items.slice(0, n),
      values: this.values.slice(0, n),
      timestamps: this.timestamps.slice(0, n),
      ...(this.labels ? { labels: this.labels.slice(0, n) } : {}),
    };
    return log;
  }

  private grow(): void {
    this.cap *= 2;
    const u = new Int32Array(this.cap);
    u.set(this.users);
    this.users = u;
    const it = new Int32Array(this.cap);
    it.set(this.items);
    this.items = it;
    const v = new Float32Array(this.cap);
    v.set(this.values);
    this.values = v;
    const t = new Float64Array(this.cap);
    t.set(this.timestamps);
    this.timestamps = t;
    if (this.labels) {
      const l = new Int8Array(this.cap);
      l.set(this.labels);
      this.labels = l;
    }
  }
}

/** The rows of `log` at positions `rows` (in that order), as a new log. */
export function selectRows(log: InteractionLog, rows: ArrayLike<number>): InteractionLog {
  const n = rows.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float32Array(n);
  const timestamps = new Float64Array(n);
  const labels = log.labels ? new Int8Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    users[k] = log.users[r]!;
    items[k] = log.items[r]!;
    values[k] = log.values[r]!;
    timestamps[k] = log.timestamps[r]!;
    if (labels) labels[k] = log.labels![r]!;
  }
  return { length: n, users, items, values, timestamps, ...(labels ? { labels } : {}) };
}
