/**
 * @module io/catalog-folder
 * Reading a catalog folder in the generic format (docs/DATA_FORMATS.md), shared by the two
 * consumers: the experiment loader (io/catalog: a Dataset of positive feedback) and the serving
 * import (serve/ingest/import-catalog: every event with its type, into a Store). One place decides
 * which files a folder holds, reads `fusionrec.json`, and reads items and users with their
 * unique-id check, so the two cannot disagree on the format or on its errors.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Item, User } from '../data/types.js';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../errors.js';
import { jsonObject, jsonString, jsonStringArray, parseJson } from './fields.js';
import { readItems, readUsers } from './items.js';
import { isFile } from './lines.js';
import { parsePositiveRules } from './positive.js';
import { decodeUtf8 } from './utf8.js';

/** The optional `fusionrec.json` of a catalog folder. */
export interface CatalogConfig {
  name?: string;
  positive?: string[];
}

/** A catalog folder: its absolute path, its config and which of its files exist. */
export interface CatalogFolder {
  root: string;
  /** Folder name, or `name` from fusionrec.json. */
  name: string;
  configFile: string;
  config: CatalogConfig;
  itemsFile?: string;
  usersFile?: string;
  eventsFile?: string;
}

async function readConfig(file: string): Promise<CatalogConfig> {
  const at = { file, line: 0, field: 'json' };
  const obj = jsonObject(parseJson(decodeUtf8(await readFile(file), file), at), at);
  const config: CatalogConfig = {};
  if (obj.name !== undefined) config.name = jsonString(obj.name, { file, line: 0, field: 'name' });
  if (obj.positive !== undefined) {
    config.positive = jsonStringArray(obj.positive, { file, line: 0, field: 'positive' });
  }
  return config;
}

/** The one existing file among `stem.jsonl` and `stem.csv`, or undefined; both is an error. */
async function pick(dir: string, stem: string): Promise<string | undefined> {
  const jsonl = join(dir, `${stem}.jsonl`);
  const csv = join(dir, `${stem}.csv`);
  const [hasJsonl, hasCsv] = await Promise.all([isFile(jsonl), isFile(csv)]);
  if (hasJsonl && hasCsv) {
    throw new InvalidInputError(
      { file: dir, line: 0, field: stem },
      `expected one of ${stem}.jsonl or ${stem}.csv, got both`,
    );
  }
  return hasJsonl ? jsonl : hasCsv ? csv : undefined;
}

/** Opens a catalog folder: NotFoundError when it is not a folder; reads fusionrec.json when present. */
export async function openCatalogFolder(dir: string): Promise<CatalogFolder> {
  const root = resolve(dir);
  const isDir = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new NotFoundError(`catalog folder ${dir} does not exist`);
  const configFile = join(root, 'fusionrec.json');
  const config = (await isFile(configFile)) ? await readConfig(configFile) : {};
  const [itemsFile, usersFile, eventsFile] = await Promise.all([
    pick(root, 'items'),
    pick(root, 'users'),
    pick(root, 'events'),
  ]);
  return {
    root,
    name: config.name ?? basename(root),
    configFile,
    config,
    ...(itemsFile !== undefined ? { itemsFile } : {}),
    ...(usersFile !== undefined ? { usersFile } : {}),
    ...(eventsFile !== undefined ? { eventsFile } : {}),
  };
}

/**
 * The positive feedback rules in force: `override` when given (an InvalidArgumentError names a bad
 * rule), else fusionrec.json's `positive` (an InvalidInputError names the file), else none (every
 * event is positive).
 */
export function positiveRulesOf(folder: CatalogFolder, override?: readonly string[]): string[] {
  if (override !== undefined) {
    parsePositiveRules(override);
    return [...override];
  }
  const rules = folder.config.positive ?? [];
  try {
    parsePositiveRules(rules);
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      throw new InvalidInputError({ file: folder.configFile, line: 0, field: 'positive' }, err.message, {
        cause: err,
      });
    }
    throw err;
  }
  return rules;
}

function duplicate(file: string, line: number, id: string, firstLine: number): never {
  throw new InvalidInputError(
    { file, line, field: 'id' },
    `expected a unique id, got ${JSON.stringify(id)} again (first on line ${firstLine})`,
  );
}

/** Every row of an items or users file with its line, ids checked unique. */
async function readUnique<T extends { id: string }>(
  file: string,
  rows: AsyncIterable<{ line: number; value: T }>,
): Promise<{ values: T[]; lines: number[] }> {
  const values: T[] = [];
  const lines: number[] = [];
  const first = new Map<string, number>();
  for await (const { line, value } of rows) {
    const known = first.get(value.id);
    if (known !== undefined) duplicate(file, line, value.id, known);
    first.set(value.id, line);
    values.push(value);
    lines.push(line);
  }
  return { values, lines };
}

/** The items of an items file in file order, with their lines; a repeated id is an error. */
export async function readCatalogItems(file: string): Promise<{ items: Item[]; lines: number[] }> {
  const { values, lines } = await readUnique(file, readItems(file));
  return { items: values, lines };
}

/** The users of a users file in file order, with their lines; a repeated id is an error. */
export async function readCatalogUsers(file: string): Promise<{ users: User[]; lines: number[] }> {
  const { values, lines } = await readUnique(file, readUsers(file));
  return { users: values, lines };
}
