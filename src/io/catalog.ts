/**
 * @module io/catalog
 * The generic catalog format: a folder with `events.jsonl|csv` (required), `items.jsonl|csv`,
 * `users.jsonl|csv` and `fusionrec.json` (all optional). See docs/DATA_FORMATS.md; the folder is
 * read by io/catalog-folder, which the serving import shares.
 */
import { basename } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import type { Item, User } from '../data/types.js';
import { NotFoundError } from '../errors.js';
import type { FeatureModality } from '../modalities/modality.js';
import { EventCollector, type EventSummary, vectorModalities } from './build.js';
import { openCatalogFolder, positiveRulesOf, readCatalogItems, readCatalogUsers } from './catalog-folder.js';
import { readEvents } from './events.js';
import { parsePositiveRules } from './positive.js';

export type { CatalogConfig } from './catalog-folder.js';

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

/**
 * Loads a catalog folder. Items get indices in catalog order (items without events are kept:
 * cold-start items), users in users-file order and then in order of first appearance in the
 * events. Only positive events (by the rules; with none, every event) enter `dataset.log`.
 * Catalog vectors become modalities. Any error aborts the whole import. Unlike the serving
 * import, an events file is required: a dataset without feedback has nothing to train or test.
 */
export async function loadCatalog(dir: string, options: CatalogOptions = {}): Promise<CatalogImport> {
  const folder = await openCatalogFolder(dir);
  const rules = parsePositiveRules(positiveRulesOf(folder, options.positive));
  const { itemsFile, usersFile, eventsFile } = folder;
  if (eventsFile === undefined) {
    throw new NotFoundError(`catalog folder ${dir} has no events.jsonl or events.csv`);
  }

  const items = new IdMap();
  let catalog: Item[] | undefined;
  let modalities: FeatureModality[] = [];
  if (itemsFile !== undefined) {
    const read = await readCatalogItems(itemsFile);
    catalog = read.items;
    for (const it of catalog) items.add(it.id);
    modalities = vectorModalities(catalog, read.lines, itemsFile);
  }

  const users = new IdMap();
  let userProfiles: User[] = [];
  if (usersFile !== undefined) {
    userProfiles = (await readCatalogUsers(usersFile)).users;
    for (const u of userProfiles) users.add(u.id);
  }

  const collector = new EventCollector(rules, {
    users,
    items,
    ...(itemsFile !== undefined ? { closedItems: basename(itemsFile) } : {}),
  });
  for await (const { line, value } of readEvents(eventsFile)) collector.add(value, eventsFile, line);
  const { log, summary } = collector.finish();

  const dataset: Dataset = {
    name: folder.name,
    source: folder.root,
    users,
    items,
    log,
    ...(catalog !== undefined ? { catalog } : {}),
    modalities,
  };
  const profiles = Array.from({ length: users.size }, (_, u): User | undefined => userProfiles[u]);
  return { dataset, events: summary, userProfiles: profiles };
}
