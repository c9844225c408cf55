/**
 * @module cli/params
 * The one parser of model parameters on the command line (`train --params`, `experiment --params`,
 * `demo --serve-params`): a JSON object (`'{"dim":64,"weights":"text=0.9,audio=0.1"}'`), or, as a
 * shorthand, `k=v` pairs separated by commas. In the shorthand each value is read as JSON when it
 * parses (`dim=64` is a number, `itemId="off"` and `itemId=off` are strings, `x=[1,2]` an array),
 * commas inside brackets, braces or quotes do not split, and a piece without `=` continues the
 * previous value, so `modalities=text,audio` is the string "text,audio". Errors quote what the
 * user typed.
 */
import { InvalidArgumentError } from '../errors.js';

type Params = Record<string, unknown>;

const isObject = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits on commas that are outside brackets, braces and double quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A shorthand value: JSON when it parses, else the text itself. */
function shorthandValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Parses one `--params` argument (JSON object or `k=v` pairs); `flag` names it in errors. */
export function parseParamsArg(text: string, flag = '--params'): Params {
  const t = text.trim();
  if (t === '') return {};
  if (t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (err) {
      throw new InvalidArgumentError(
        `${flag} expects a JSON object or k=v pairs, got '${text}': ${(err as Error).message}`,
      );
    }
    if (!isObject(parsed)) throw new InvalidArgumentError(`${flag} expects a JSON object, got '${text}'`);
    return parsed;
  }
  const pairs: [string, string][] = [];
  for (const piece of splitTopLevel(t)) {
    const eq = piece.indexOf('=');
    const last = pairs.at(-1);
    if (eq <= 0) {
      if (last && piece.trim() !== '') {
        last[1] += `,${piece}`;
        continue;
      }
      if (piece.trim() === '') continue;
      throw new InvalidArgumentError(
        `${flag} expects a JSON object or k=v pairs (e.g. '{"dim":64}' or dim=64,lr=0.01), got '${text}'`,
      );
    }
    pairs.push([piece.slice(0, eq).trim(), piece.slice(eq + 1)]);
  }
  const out: Params = {};
  for (const [k, v] of pairs) out[k] = shorthandValue(v.trim());
  return out;
}

/** Parses every `--params` argument given (the flag is repeatable); later keys win. */
export function parseParams(args: string | readonly string[], flag = '--params'): Params {
  const list = typeof args === 'string' ? [args] : args;
  return Object.assign({}, ...list.map((a) => parseParamsArg(a, flag))) as Params;
}

/**
 * `experiment --params`: one set for every model (a JSON object or `k=v` pairs), or a JSON array
 * with one object per model.
 */
export function parseParamsList(text: string, models: number, flag = '--params'): Params[] {
  const t = text.trim();
  if (!t.startsWith('[')) return [parseParamsArg(text, flag)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch (err) {
    throw new InvalidArgumentError(
      `${flag} expects a JSON object or an array of objects, got '${text}': ${(err as Error).message}`,
    );
  }
  if (!Array.isArray(parsed) || !parsed.every(isObject) || parsed.length !== models) {
    throw new InvalidArgumentError(
      `${flag} expects one JSON object, or an array of ${models} objects (one per model of --models), got '${text}'`,
    );
  }
  return parsed;
}
