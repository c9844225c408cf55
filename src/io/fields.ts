/**
 * @module io/fields
 * Small value parsers shared by the importers. Each takes the place (`file`, `line`, `field`) of
 * the value and throws InvalidInputError naming it when the value is not what was expected.
 */

import type { AttributeValue } from '../data/types.js';
import { type InputLocation, InvalidInputError } from '../errors.js';

/** Short printable form of a bad value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const s = typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Throws InvalidInputError at `where` with "expected ..., got <value>". */
export function fail(where: InputLocation, expected: string, got: unknown): never {
  throw new InvalidInputError(where, `expected ${expected}, got ${show(got)}`);
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Whether `s` is a plain decimal number (no hex, no "Infinity", no empty string). */
export function isNumeric(s: string): boolean {
  return NUMBER_RE.test(s.trim());
}

/** Parses a decimal number from text; `fallback` is used for an empty string when given. */
export function parseNumberText(text: string, where: InputLocation, fallback?: number): number {
  const t = text.trim();
  if (t === '' && fallback !== undefined) return fallback;
  if (!isNumeric(t)) fail(where, 'a number', text);
  return Number(t);
}

/** A finite JSON number, or `fallback` when the value is absent. */
export function jsonNumber(value: unknown, where: InputLocation, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, 'a number', value);
  return value;
}

/** A JSON string. */
export function jsonString(value: unknown, where: InputLocation): string {
  if (typeof value !== 'string') fail(where, 'a string', value);
  return value;
}

/** An id: a non-empty string, or a number converted to its decimal text. */
export function jsonId(value: unknown, where: InputLocation): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') fail(where, 'a non-empty string id', value);
  return value;
}

/** A plain JSON object (not null, not an array). */
export function jsonObject(value: unknown, where: InputLocation): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object', value);
  return value as Record<string, unknown>;
}

/**
 * A timestamp in unix seconds from a number, a numeric string, or an ISO-8601 string;
 * absent or empty gives 0.
 */
/** The earliest and latest timestamps accepted: 0001-01-01 and 9999-12-31T23:59:59Z, in unix seconds. */
export const MIN_TIMESTAMP = -62135596800;
export const MAX_TIMESTAMP = 253402300799;

/** Unix seconds from a number or numeric string (seconds) or an ISO-8601 string; years 1-9999 only. */
export function parseTimestamp(value: unknown, where: InputLocation): number {
  if (value === undefined || value === null || value === '') return 0;
  let t: number | undefined;
  if (typeof value === 'number') t = value;
  else if (typeof value === 'string') {
    const s = value.trim();
    if (isNumeric(s)) t = Number(s);
    else if (/^\d{4}-\d{2}-\d{2}/.test(s)) t = Date.parse(s) / 1000;
  }
  if (t === undefined || !Number.isFinite(t)) return fail(where, 'unix seconds or an ISO-8601 string', value);
  if (t < MIN_TIMESTAMP || t > MAX_TIMESTAMP) {
    return fail(where, 'a timestamp between the years 1 and 9999 (unix seconds or ISO-8601)', value);
  }
  return t;
}

/** An attribute value from text: a number when numeric, else the text itself. */
export function attributeFromText(text: string): AttributeValue {
  return isNumeric(text) ? Number(text.trim()) : text;
}

/** An attribute value from JSON: a string, finite number or boolean. */
export function jsonAttribute(value: unknown, where: InputLocation): AttributeValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail(where, 'a string, number or boolean', value);
}

/** An array of strings. */
export function jsonStringArray(value: unknown, where: InputLocation): string[] {
  if (!Array.isArray(value)) fail(where, 'an array of strings', value);
  for (const v of value) if (typeof v !== 'string') fail(where, 'an array of strings', v);
  return value as string[];
}

/** An array of finite numbers. */
export function jsonNumberArray(value: unknown, where: InputLocation): number[] {
  if (!Array.isArray(value)) fail(where, 'an array of numbers', value);
  for (const v of value) {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, 'an array of numbers', v);
  }
  return value as number[];
}

/** A vector written as space- or comma-separated numbers inside one text field. */
export function parseVectorText(text: string, where: InputLocation): number[] {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (t.trim() === '') return [];
  return t
    .trim()
    .split(/[\s,]+/)
    .map((part) => {
      if (!isNumeric(part)) fail(where, 'space- or comma-separated numbers', part);
      return Number(part);
    });
}

/**
 * Parses one line (or file) of JSON, turning a syntax error into InvalidInputError at `where`.
 * When `where.line` is 0 and the parser reports a position, the line is computed from it.
 */
export function parseJson(text: string, where: InputLocation): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    let line = where.line;
    const pos = /position (\d+)/.exec(msg);
    if (line === 0 && pos) {
      line = 1;
      const end = Math.min(Number(pos[1]), text.length);
      for (let k = 0; k < end; k++) if (text.charCodeAt(k) === 10) line++;
    }
    throw new InvalidInputError({ ...where, line }, `expected valid JSON, got a syntax error (${msg})`, {
      cause: err,
    });
  }
}
