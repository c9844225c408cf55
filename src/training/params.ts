/**
 * @module training/params
 * Validation of model hyper-parameters given by name (from the CLI, a config file or code):
 * unknown names and wrong types are rejected with the list of valid ones; defaults fill the rest.
 */
import { InvalidArgumentError } from '../errors.js';

/** How one parameter is checked. */
export type ParamSpec =
  | { type: 'number'; default: number; min?: number; max?: number; exclusiveMin?: boolean }
  | { type: 'int'; default: number; min?: number; max?: number }
  | { type: 'choice'; default: string; choices: readonly string[] }
  | { type: 'boolean'; default: boolean };

type ValueOf<S extends ParamSpec> = S extends { type: 'choice' }
  ? S['choices'][number]
  : S extends { type: 'boolean' }
    ? boolean
    : number;

/** The validated parameter object of a schema. */
export type ParamsOf<T extends Record<string, ParamSpec>> = { [K in keyof T]: ValueOf<T[K]> };

function describe(spec: ParamSpec): string {
  switch (spec.type) {
    case 'choice':
      return `one of ${spec.choices.map((c) => `"${c}"`).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'int':
    case 'number': {
      const lo = spec.min === undefined ? '' : ` >= ${spec.min}`;
      const hi = spec.max === undefined ? '' : ` <= ${spec.max}`;
      const what = spec.type === 'int' ? 'an integer' : 'a number';
      const exclusive = spec.type === 'number' && spec.exclusiveMin ? ` > ${spec.min}` : lo;
      return `${what}${exclusive}${hi}`.trim();
    }
  }
}

/**
 * Checks `raw` against `schema` for model `model`: each key must be in the schema and have the
 * right type and range; absent keys take their default. Numeric strings are accepted for numbers
 * (as a CLI gives them).
 */
export function validateParams<T extends Record<string, ParamSpec>>(
  model: string,
  raw: Record<string, unknown>,
  schema: T,
): ParamsOf<T> {
  const out: Record<string, unknown> = {};
  const valid = Object.keys(schema);
  for (const key of Object.keys(raw)) {
    if (!(key in schema)) {
      throw new InvalidArgumentError(
        `${model}: unknown parameter "${key}". Valid parameters: ${valid.join(', ')}`,
      );
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const given = raw[key];
    let v = given;
    if (v === undefined) {
      out[key] = spec.default;
      continue;
    }
    const bad = (): never => {
      throw new InvalidArgumentError(
        `${model}: parameter "${key}" must be ${describe(spec)}, got ${JSON.stringify(given)}`,
      );
    };
    if (spec.type === 'choice') {
      if (typeof v !== 'string' || !spec.choices.includes(v)) bad();
    } else if (spec.type === 'boolean') {
      if (v === 'true' || v === 'false') v = v === 'true';
      if (typeof v !== 'boolean') bad();
    } else {
      if (typeof v === 'string' && v.trim() !== '') v = Number(v);
      if (typeof v !== 'number' || !Number.isFinite(v)) bad();
      const n = v as number;
      if (spec.type === 'int' && !Number.isInteger(n)) bad();
      if (spec.min !== undefined) {
        const exclusive = spec.type === 'number' && spec.exclusiveMin;
        if (exclusive ? !(n > spec.min) : !(n >= spec.min)) bad();
      }
      if (spec.max !== undefined && n > spec.max) bad();
    }
    out[key] = v;
  }
  return out as ParamsOf<T>;
}
