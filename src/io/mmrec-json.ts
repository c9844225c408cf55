/**
 * @module io/mmrec-json
 * MMRec-style JSON splits: `train.json`, `val.json`, `test.json`, each mapping a user index (as a
 * string) to a list of item indices. Row labels are 0 (train), 1 (valid), 2 (test).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { LogBuilder, SPLIT_LABEL } from '../data/log.js';
import { type InputLocation, InvalidInputError } from '../errors.js';
import { parseJson, show } from './fields.js';
import { requireFile } from './lines.js';
import { decodeUtf8 } from './utf8.js';

/** Options of {@link loadMmrecJson}. */
export interface MmrecJsonOptions {
  /** Dataset name (default: the folder name). */
  name?: string;
  /** Make the user map at least this large. */
  nUsers?: number;
  /** Make the item map at least this large (e.g. the rows of a feature file). */
  nItems?: number;
}

/** The split files in label order. */
export const MMREC_JSON_FILES = [
  ['train.json', SPLIT_LABEL.train],
  ['val.json', SPLIT_LABEL.valid],
  ['test.json', SPLIT_LABEL.test],
] as const;

const INDEX = /^(0|[1-9]\d{0,8})$/;

/** 1-based line of the first `"key"` in `text` (1 when not found). */
function lineOf(text: string, key: string): number {
  const pos = text.indexOf(`"${key}"`);
  let line = 1;
  for (let k = 0; k < pos; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/**
 * Loads the three split files of `dir`. Users are indices 0..max over all files, items 0..max
 * (index = the number itself, so item i is row i of a feature file). Throws InvalidInputError
 * naming the file and the user key as field for a malformed entry, NotFoundError for a missing file.
 */
export async function loadMmrecJson(dir: string, options: MmrecJsonOptions = {}): Promise<Dataset> {
  const builder = new LogBuilder({ withLabels: true, capacity: 1 << 16 });
  let maxUser = -1;
  let maxItem = -1;
  for (const [name, label] of MMREC_JSON_FILES) {
    const file = join(dir, name);
    await requireFile(file, 'MMRec split file');
    const text = decodeUtf8(await readFile(file), file);
    const root = parseJson(text, { file, line: 0, field: 'json' });
    if (typeof root !== 'object' || root === null || Array.isArray(root)) {
      throw new InvalidInputError(
        { file, line: 1, field: 'json' },
        `expected an object mapping user index to item indices, got ${show(root)}`,
      );
    }
    for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
      const at = (): InputLocation => ({ file, line: lineOf(text, key), field: key });
      if (!INDEX.test(key))
        throw new InvalidInputError(at(), `expected a non-negative integer user index as key`);
      if (!Array.isArray(value)) {
        throw new InvalidInputError(
          at(),
          `expected an array of non-negative integer item indices, got ${show(value)}`,
        );
      }
      const u = Number(key);
      maxUser = Math.max(maxUser, u);
      for (const it of value) {
        if (typeof it !== 'number' || !Number.isInteger(it) || it < 0 || it > 2 ** 31 - 1) {
          throw new InvalidInputError(
            at(),
            `expected an array of non-negative integer item indices, got an element ${show(it)}`,
          );
        }
        maxItem = Math.max(maxItem, it);
        builder.push(u, it, 1, 0, label);
      }
    }
  }
  const nUsers = Math.max(maxUser + 1, options.nUsers ?? 0);
  const nItems = Math.max(maxItem + 1, options.nItems ?? 0);
  return {
    name: options.name ?? basename(dir),
    source: dir,
    users: IdMap.from(Array.from({ length: nUsers }, (_, i) => String(i))),
    items: IdMap.from(Array.from({ length: nItems }, (_, i) => String(i))),
    log: builder.build(),
    modalities: [],
  };
}
