/**
 * @module io/build
 * Pieces shared by the importers that produce a catalog: collecting events into a positive log
 * with a summary, and turning per-item vectors into feature modalities.
 */
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { type InteractionLog, LogBuilder } from '../data/log.js';
import type { FeedbackEvent, Item } from '../data/types.js';
import { InvalidInputError } from '../errors.js';
import { type FeatureModality, makeModality } from '../modalities/modality.js';
import { isPositive, type PositiveRule } from './positive.js';

/** Counts of what an importer read. */
export interface EventSummary {
  /** Events read. */
  total: number;
  /** Events that passed the positive rules and entered the log. */
  positive: number;
  /** Distinct users with at least one event (positive or not). */
  users: number;
  /** Distinct items with at least one event (positive or not). */
  items: number;
}

/** What `loadCatalog` and `loadMovieLens` return. */
export interface ImportResult {
  dataset: Dataset;
  events: EventSummary;
}

/**
 * Collects events into dense ids and a positive log. Users get indices in order of first
 * appearance (after any pre-registered ones); items likewise unless `closedItems` is set, in
 * which case an unknown item is an error at `file:line`, field "item".
 */
export class EventCollector {
  readonly users: IdMap;
  readonly items: IdMap;
  private readonly log = new LogBuilder({ capacity: 4096 });
  private readonly seenUsers: boolean[] = [];
  private readonly seenItems: boolean[] = [];
  private total = 0;
  private nUsersSeen = 0;
  private nItemsSeen = 0;
  private readonly closedItems: string | undefined;

  constructor(
    private readonly rules: readonly PositiveRule[],
    options: { users?: IdMap; items?: IdMap; closedItems?: string } = {},
  ) {
    this.users = options.users ?? new IdMap();
    this.items = options.items ?? new IdMap();
    this.closedItems = options.closedItems;
  }

  /** Adds one event read at `file:line`. */
  add(ev: FeedbackEvent, file: string, line: number): void {
    let i: number | undefined;
    if (this.closedItems !== undefined) {
      i = this.items.get(ev.item);
      if (i === undefined) {
        throw new InvalidInputError(
          { file, line, field: 'item' },
          `expected an item id listed in ${this.closedItems}, got ${JSON.stringify(ev.item)}`,
        );
      }
    } else {
      i = this.items.add(ev.item);
    }
    const u = this.users.add(ev.user);
    this.total++;
    if (!this.seenUsers[u]) {
      this.seenUsers[u] = true;
      this.nUsersSeen++;
    }
    if (!this.seenItems[i]) {
      this.seenItems[i] = true;
      this.nItemsSeen++;
    }
    if (isPositive(this.rules, ev.type, ev.value)) this.log.push(u, i, ev.value, ev.timestamp);
  }

  /** The positive log and the summary. */
  finish(): { log: InteractionLog; summary: EventSummary } {
    const log = this.log.build();
    return {
      log,
      summary: { total: this.total, positive: log.length, users: this.nUsersSeen, items: this.nItemsSeen },
    };
  }
}

/**
 * Builds one modality per vector name found in `catalog` (row i = item i; items without the
 * vector are missing). All vectors of one name must have the same length; otherwise an
 * InvalidInputError names the item's `file:line` and field `vectors.<name>`.
 */
export function vectorModalities(
  catalog: readonly Item[],
  itemLines: readonly number[],
  file: string,
): FeatureModality[] {
  const dims = new Map<string, { dim: number; line: number }>();
  catalog.forEach((item, i) => {
    for (const [name, vec] of Object.entries(item.vectors)) {
      if (vec.length === 0) {
        throw new InvalidInputError(
          { file, line: itemLines[i]!, field: `vectors.${name}` },
          'expected a non-empty vector, got []',
        );
      }
      const first = dims.get(name);
      if (!first) dims.set(name, { dim: vec.length, line: itemLines[i]! });
      else if (vec.length !== first.dim) {
        throw new InvalidInputError(
          { file, line: itemLines[i]!, field: `vectors.${name}` },
          `expected ${first.dim} numbers (as on line ${first.line}), got ${vec.length}`,
        );
      }
    }
  });
  const out: FeatureModality[] = [];
  for (const [name, { dim }] of dims) {
    const data = new Float32Array(catalog.length * dim);
    const present = new Uint8Array(catalog.length);
    catalog.forEach((item, i) => {
      const vec = item.vectors[name];
      if (vec === undefined) return;
      data.set(vec, i * dim);
      present[i] = 1;
    });
    out.push(makeModality(name, catalog.length, dim, data, `${file}#vectors.${name}`, present));
  }
  return out;
}
