/**
 * @module serve/http/labels
 * Bounded Prometheus label values. A label fed by requests (feedback type, HTTP method) would make
 * a new time series for every distinct value a client sends, so /metrics would grow without bound:
 * these helpers keep known values, admit the first `extra` unknown ones, and map the rest to "other".
 */

/** The label value every value past the bound becomes. */
export const OTHER = 'other';

/** Longest label value kept; longer values count as "other". */
export const MAX_LABEL_LENGTH = 64;

/** A label with a fixed set of known values plus the first `extra` others seen. */
export class BoundedLabel {
  private readonly known: Set<string>;
  private readonly seen = new Set<string>();

  constructor(
    known: Iterable<string>,
    private readonly extra: number,
  ) {
    this.known = new Set(known);
  }

  /** The label value for `value`: itself when known or admitted, else "other". */
  of(value: string): string {
    if (this.known.has(value) || this.seen.has(value)) return value;
    if (value.length === 0 || value.length > MAX_LABEL_LENGTH || this.seen.size >= this.extra) return OTHER;
    this.seen.add(value);
    return value;
  }

  /** How many distinct values this label can take at most (known, admitted, "other"). */
  get bound(): number {
    return this.known.size + this.extra + 1;
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The HTTP method as a label: the standard methods, anything else "other". */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : OTHER;
}
