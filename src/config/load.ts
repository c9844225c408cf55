/**
 * @module config/load
 * Reads the settings of config/settings with the precedence defaults < config file (JSON; the
 * file named by --config or FUSIONREC_CONFIG, else ./fusionrec.config.json when it exists) <
 * FUSIONREC_* environment < command-line flags, and validates each value where it comes from, so
 * an error names the file and key, the variable, or the flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { environment } from '../env.js';
import { InvalidArgumentError, InvalidInputError } from '../errors.js';
import { DEFAULTS, SETTINGS, type SettingKey, type SettingSpec, type Settings } from './settings.js';

export type SettingSource = 'default' | 'file' | 'env' | 'flag';

export interface LoadedSettings {
  settings: Settings;
  source: Record<SettingKey, SettingSource>;
  /** The config file read, if any. */
  file: string | undefined;
}

export interface LoadOptions {
  /** Config file (default FUSIONREC_CONFIG, else ./fusionrec.config.json when present). */
  file?: string;
  /** Environment (default: env.environment()). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags (undefined entries are ignored). */
  flags?: Partial<Settings>;
}

const BOOL_TRUE = new Set(['1', 'true', 'yes', 'on']);
const BOOL_FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** Parses an environment string as the setting's type; `where` names the variable in errors. */
function fromString(spec: SettingSpec, text: string, where: string): unknown {
  switch (spec.kind) {
    case 'string':
      return text;
    case 'int': {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(`${where} must be a positive integer, got "${text}"`);
      return n;
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (BOOL_TRUE.has(t)) return true;
      if (BOOL_FALSE.has(t)) return false;
      throw new InvalidArgumentError(`${where} must be 1/0, true/false, yes/no or on/off, got "${text}"`);
    }
    case 'enum':
      if (!spec.values!.includes(text)) {
        throw new InvalidArgumentError(`${where} must be one of ${spec.values!.join(', ')}, got "${text}"`);
      }
      return text;
  }
}

/** Checks a JSON value from a config file against the setting's type. */
function fromJson(spec: SettingSpec, value: unknown, file: string): unknown {
  const bad = (expected: string): never => {
    throw new InvalidInputError(
      { file, line: 0, field: spec.key },
      `expected ${expected}, got ${JSON.stringify(value)}`,
    );
  };
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? value : bad('a string');
    case 'int':
      return Number.isInteger(value) && (value as number) >= 1 ? value : bad('a positive integer');
    case 'bool':
      return typeof value === 'boolean' ? value : bad('true or false');
    case 'enum':
      return typeof value === 'string' && spec.values!.includes(value)
        ? value
        : bad(`one of ${spec.values!.join(', ')}`);
  }
}

const fileCache = new Map<string, Record<string, unknown>>();

function readFile(file: string): Record<string, unknown> {
  const cached = fileCache.get(file);
  if (cached) return cached;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(
      { file, line: 0 },
      `expected a JSON object of settings: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError({ file, line: 0 }, 'expected a JSON object of settings');
  }
  const obj = parsed as Record<string, unknown>;
  const known = new Set(SETTINGS.map((s) => s.key as string));
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) {
      throw new InvalidInputError(
        { file, line: 0, field: k },
        `unknown setting; valid: ${[...known].join(', ')}`,
      );
    }
  }
  fileCache.set(file, obj);
  return obj;
}

/** The settings in force (see the module comment). */
export function loadSettings(options: LoadOptions = {}): LoadedSettings {
  const env = options.env ?? environment();
  const explicit = options.file ?? env.FUSIONREC_CONFIG;
  let file: string | undefined;
  if (explicit !== undefined && explicit !== '') {
    file = resolve(explicit);
    if (!existsSync(file)) throw new InvalidArgumentError(`config file ${explicit} does not exist`);
  } else if (existsSync('fusionrec.config.json')) {
    file = resolve('fusionrec.config.json');
  }
  const fromFile = file ? readFile(file) : {};
  const settings = { ...DEFAULTS } as Record<SettingKey, unknown>;
  const source = {} as Record<SettingKey, SettingSource>;
  for (const spec of SETTINGS) {
    source[spec.key] = 'default';
    if (fromFile[spec.key] !== undefined) {
      settings[spec.key] = fromJson(spec, fromFile[spec.key], file!);
      source[spec.key] = 'file';
    }
    const e = env[spec.env];
    if (e !== undefined && !(spec.kind !== 'bool' && e === '')) {
      settings[spec.key] = fromString(spec, e, spec.env);
      source[spec.key] = 'env';
    }
    const f = options.flags?.[spec.key];
    if (f !== undefined) {
      settings[spec.key] = f;
      source[spec.key] = 'flag';
    }
  }
  return { settings: settings as unknown as Settings, source, file };
}
