/**
 * @module io/catalog
 * The generic catalog format: a folder with `events.jsonl|csv` (required), `items.jsonl|csv`,
 * `users.jsonl|csv` and `fusionrec.json` (all optional). See docs/DATA_FORMATS.md.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import type { Item, User } from '../data/types.js';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../errors.js';
import type { FeatureModality } from '../modalities/modality.js';
import { EventCollector, type EventSummary, vectorModalities } from './build.js';
import { readEvents } from './events.js';
import { jsonObject, jsonString, jsonStringArray, parseJson } from './fields.js';
import { readItems, readUsers } from './items.js';
import { isFile } from './lines.js';
import { type PositiveRule, parsePositiveRules } from './positive.js';
import { decodeUtf8 } from './utf8.js';

/** Options of {@link loadCatalog}. */
export interface CatalogOptions {
  /** Positive feedback rules; override `positive` in fusionrec.json. Default: every event. */
  positive?: string[];
}

/** What {@link loadCatalog} returns. */
export interface CatalogImport {
  dataset: Dataset;
  events: EventSummary;
  /** User profiles from users.jsonl/csv aligned with user indices (undefined: none given). */
  userProfiles: readonly (User | undefined)[];
}

/** The optional `fusionrec.json` of a catalog folder. */
export interface CatalogConfig {
  name?: string;
  positive?: string[];
}

async function readConfig(file: string): Promise<CatalogConfig> {
  const obj = jsonObject(
    parseJson(decodeUtf8(await readFile(file), file), { file, line: 0, field: 'json' }),
    {
      file,
      line: 0,
      field: 'json',
    },
  );
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

function rulesFrom(strings: readonly string[], where: string): PositiveRule[] {
  try {
    return parsePositiveRules(strings);
  } catch (err) {
    if (err instanceof InvalidArgumentError && where !== '') {
      throw new InvalidInputError({ file: where, line: 0, field: 'positive' }, err.message, { cause: err });
    }
    throw err;
  }
}

function duplicate(file: string, line: number, field: string, id: string, firstLine: number): never {
  throw new InvalidInputError(
    { file, line, field },
    `expected a unique id, got ${JSON.stringify(id)} again (first on line ${firstLine})`,
  );
}

/**
 * Loads a catalog folder. Items get indices in catalog order (items without events are kept:
 * cold-start items), users in users-file order and then in order of first appearance in the
 * events. Only positive events (by the rules; with none, every event) enter `dataset.log`.
 * Catalog vectors become modalities. Any error aborts the whole import.
 */
export async function loadCatalog(dir: string, options: CatalogOptions = {}): Promise<CatalogImport> {
  const root = resolve(dir);
  const isDir = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new NotFoundError(`catalog folder ${dir} does not exist`);
  const configFile = join(root, 'fusionrec.json');
  const config = (await isFile(configFile)) ? await readConfig(configFile) : {};
  const rules =
    options.positive !== undefined
      ? rulesFrom(options.positive, '')
      : rulesFrom(config.positive ?? [], configFile);

  const itemsFile = await pick(root, 'items');
  const usersFile = await pick(root, 'users');
  const eventsFile = await pick(root, 'events');
  if (eventsFile === undefined) {
    throw new NotFoundError(`catalog folder ${dir} has no events.jsonl or events.csv`);
  }

  const items = new IdMap();
  let catalog: Item[] | undefined;
  let modalities: FeatureModality[] = [];
  if (itemsFile !== undefined) {
    catalog = [];
    const lines: number[] = [];
    for await (const { line, value } of readItems(itemsFile)) {
      const known = items.get(value.id);
      if (known !== undefined) duplicate(itemsFile, line, 'id', value.id, lines[known]!);
      items.add(value.id);
      catalog.push(value);
      lines.push(line);
    }
    modalities = vectorModalities(catalog, lines, itemsFile);
  }

  const users = new IdMap();
  const userProfiles: User[] = [];
  if (usersFile !== undefined) {
    const lines: number[] = [];
    for await (const { line, value } of readUsers(usersFile)) {
      const known = users.get(value.id);
      if (known !== undefined) duplicate(usersFile, line, 'id', value.id, lines[known]!);
      users.add(value.id);
      userProfiles.push(value);
      lines.push(line);
    }
  }

  const collector = new EventCollector(rules, {
    users,
    items,
    ...(itemsFile !== undefined ? { closedItems: basename(itemsFile) } : {}),
  });
  for await (const { line, value } of readEvents(eventsFile)) collector.add(value, eventsFile, line);
  const { log, summary } = collector.finish();

  const dataset: Dataset = {
    name: config.name ?? basename(root),
    source: root,
    users,
    items,
    log,
    ...(catalog !== undefined ? { catalog } : {}),
    modalities,
  };
  const profiles = Array.from({ length: users.size }, (_, u): User | undefined => userProfiles[u]);
  return { dataset, events: summary, userProfiles: profiles };
}
