/**
 * @module cli/int-flags
 * Integer flags of the command line: `positiveInt` (1, 2, …: epochs, workers, sizes) and
 * `nonNegativeInt` (0 allowed: `--port 0` picks a free port, `--patience 0`). Errors name the flag
 * and quote what the user typed.
 */
import { InvalidArgumentError } from '../errors.js';

function int(name: string, v: string, min: number, what: string): number {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new InvalidArgumentError(`--${name} expects ${what}, got "${v}"`);
  return n;
}

/** An integer >= 1, or undefined when the flag was not given. */
export function positiveInt(name: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : int(name, v, 1, 'a positive integer (1 or more)');
}

/** An integer >= 0, or undefined when the flag was not given. */
export function nonNegativeInt(name: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : int(name, v, 0, 'a non-negative integer');
}
