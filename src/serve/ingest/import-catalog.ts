/**
 * @module serve/ingest/import-catalog
 * `fusionrec import`: reads a catalog folder in the generic format (items, users, every feedback
 * event with its type; the folder is read by io/catalog-folder, shared with io/catalog), encodes
 * the items' text, images and audio with the chosen encoders (feature cache, worker pool:
 * jobs/encode), and writes everything into the store in one
 * transaction. Records in the store's metadata what the server needs later: the media root (the
 * catalog folder, so item media paths stay relative to it), the positive feedback rules, the
 * encoders and the built-in text encoder's fitted state.
 *
 * Every input error names `file:line` and the field; nothing is written then.
 */
import { join } from 'node:path';
import type { Dataset } from '../../data/dataset.js';
import { IdMap } from '../../data/id-map.js';
import { LogBuilder } from '../../data/log.js';
import type { FeedbackEvent, Item, User } from '../../data/types.js';
import type { Encoder, MediaKind } from '../../encoders/encoder.js';
import { createBuiltinTextEncoder } from '../../encoders/text/builtin.js';
import { InvalidInputError, InvalidRequestError, NotFoundError } from '../../errors.js';
import {
  openCatalogFolder,
  positiveRulesOf,
  readCatalogItems,
  readCatalogUsers,
} from '../../io/catalog-folder.js';
import { readEvents } from '../../io/events.js';
import {
  type EncodeCatalogOptions,
  type EncoderChoice,
  encodeCatalog,
  type ModalityReport,
} from '../../jobs/encode.js';
import { normalizeMediaRef } from '../../store/media.js';
import type {
  ItemVectorRecord,
  ModalityStatus,
  Store,
  StoredFeedback,
  StoredItem,
  StoredUser,
} from '../../store/types.js';
import { DEFAULT_ENCODERS, type EncodersConfig, META } from '../content/encoders.js';
import { deserializeTextState, type SerializedTextState, serializeTextState } from '../content/text-state.js';

export interface ImportOptions {
  /** Positive feedback rules (default: the catalog's fusionrec.json, else every event). */
  positive?: string[];
  /** Encoders per modality (default built-in text and image, MFCC audio); false: no encoding. */
  encoders?: EncodersConfig | false;
  /** Re-fit the built-in text encoder even when the store holds a fit (re-encodes everything). */
  refit?: boolean;
  /** Feature cache file (default `<db folder>/features.sqlite`; none for in-memory stores). */
  cachePath?: string | false;
  workers?: number;
  onProgress?: EncodeCatalogOptions['onProgress'];
  /** Replace the store's feedback with the catalog's (default: add the events not already stored). */
  replaceFeedback?: boolean;
}

export interface ImportSummary {
  items: number;
  /** Distinct users: those of the users file and those the events name. */
  users: number;
  /** Events in the catalog. */
  feedback: number;
  /** Of those, events inserted, and events already stored (not inserted again). */
  feedbackNew: number;
  feedbackExisting: number;
  /** Stored events deleted first (replaceFeedback). */
  feedbackRemoved: number;
  mediaRoot: string;
  positive: string[];
  encoded: Partial<Record<MediaKind, ModalityReport>>;
}

/** An encoder used as it is (its stored fit), never re-fitted by the encode job. */
function frozen(enc: Encoder): Encoder {
  return {
    get id() {
      return enc.id;
    },
    kind: enc.kind,
    get dims() {
      return enc.dims;
    },
    encode: (batch) => enc.encode(batch),
    dispose: () => enc.dispose(),
  };
}

function toStoredItem(it: Item, root: string, file: string, line: number): StoredItem {
  const { labels, ...attributes } = it.attributes;
  const out: StoredItem = {
    id: it.id,
    text: it.text,
    categories: it.categories,
    labels: typeof labels === 'string' ? labels.split('|').filter((s) => s !== '') : [],
    attributes,
    timestamp: it.timestamp,
    hidden: false,
    modalities: {},
  };
  for (const kind of ['image', 'audio'] as const) {
    const ref = it[kind];
    if (ref === undefined) continue;
    try {
      out[kind] = normalizeMediaRef(root, ref, kind);
    } catch (err) {
      if (err instanceof InvalidRequestError || err instanceof InvalidInputError)
        throw new InvalidInputError({ file, line, field: kind }, err.detail, { cause: err });
      throw err;
    }
  }
  return out;
}

/** Imports a catalog folder into the store (see the module comment). */
export async function importCatalog(
  store: Store,
  folder: string,
  o: ImportOptions = {},
): Promise<ImportSummary> {
  const cat = await openCatalogFolder(folder);
  const dir = cat.root;
  const positive = positiveRulesOf(cat, o.positive);
  const { itemsFile, usersFile, eventsFile } = cat;
  const ids = new IdMap();
  const catalog: Item[] = [];
  const stored: StoredItem[] = [];
  if (itemsFile) {
    const read = await readCatalogItems(itemsFile);
    read.items.forEach((item, k) => {
      ids.add(item.id);
      catalog.push(item);
      stored.push(toStoredItem(item, dir, itemsFile, read.lines[k]!));
    });
  }
  const users: StoredUser[] = usersFile ? (await readCatalogUsers(usersFile)).users.map(userOf) : [];
  const feedback: StoredFeedback[] = [];
  if (eventsFile) {
    for await (const { line, value } of readEvents(eventsFile)) {
      if (!ids.has(value.item)) {
        if (itemsFile) {
          throw new InvalidInputError(
            { file: eventsFile, line, field: 'item' },
            `expected an item id listed in ${itemsFile}, got ${JSON.stringify(value.item)}`,
          );
        }
        ids.add(value.item);
        const bare: Item = {
          id: value.item,
          text: {},
          categories: [],
          attributes: {},
          vectors: {},
          timestamp: 0,
        };
        catalog.push(bare);
        stored.push(toStoredItem(bare, dir, eventsFile, line));
      }
      feedback.push(feedbackOf(value));
    }
  } else if (!itemsFile) {
    throw new NotFoundError(
      `catalog folder ${folder} has neither items nor events (items.jsonl|csv, events.jsonl|csv)`,
    );
  }

  const vectors: ItemVectorRecord[] = [];
  let encoded: Partial<Record<MediaKind, ModalityReport>> = {};
  const config = o.encoders === false ? undefined : (o.encoders ?? DEFAULT_ENCODERS);
  let textState: SerializedTextState | undefined;
  if (config && catalog.length > 0) {
    const ds: Dataset = {
      name: 'import',
      source: dir,
      users: new IdMap(),
      items: ids,
      log: new LogBuilder().build(),
      catalog,
      modalities: [],
    };
    const options: EncodeCatalogOptions = {
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    };
    const cachePath = o.cachePath ?? (store.dataDir ? join(store.dataDir, 'features.sqlite') : false);
    if (cachePath !== false) options.cachePath = cachePath;
    let textEncoder: ReturnType<typeof createBuiltinTextEncoder> | undefined;
    for (const kind of ['text', 'image', 'audio'] as const) {
      const spec = config[kind];
      if (!spec) continue;
      let choice: EncoderChoice = { name: spec.name, ...(spec.options ? { options: spec.options } : {}) };
      if (kind === 'text' && spec.name === 'builtin') {
        const prior = o.refit ? undefined : await store.getMeta<SerializedTextState>(META.textState);
        textEncoder = createBuiltinTextEncoder({
          ...(spec.options ?? {}),
          ...(prior ? { state: deserializeTextState(prior) } : {}),
        });
        choice = { encoder: prior ? frozen(textEncoder) : textEncoder };
      }
      options[kind] = choice;
    }
    try {
      const r = await encodeCatalog(ds, dir, options);
      encoded = r.report;
      for (const m of r.modalities) {
        const kind = m.name as MediaKind;
        const failed = new Set(r.report[kind]?.failed.map((f) => f.id));
        stored.forEach((it, i) => {
          let st: ModalityStatus = 'missing';
          if (m.present[i]) {
            st = 'present';
            vectors.push({
              item: it.id,
              modality: kind,
              encoder: m.source,
              vector: m.data.slice(i * m.dim, (i + 1) * m.dim),
            });
          } else if (failed.has(it.id)) st = 'failed';
          it.modalities[kind] = st;
        });
      }
      if (textEncoder) textState = serializeTextState(textEncoder.exportState());
    } finally {
      await textEncoder?.dispose();
    }
  }

  const written = await store.importAll(
    { items: stored, vectors, users, feedback },
    { replaceFeedback: o.replaceFeedback === true },
  );
  await store.setMeta(META.mediaRoot, dir);
  await store.setMeta(META.positive, positive);
  if (config) await store.setMeta(META.encoders, config);
  if (textState) await store.setMeta(META.textState, textState);
  const userIds = new Set(users.map((u) => u.id));
  for (const f of feedback) userIds.add(f.user);
  return {
    items: stored.length,
    users: userIds.size,
    feedback: feedback.length,
    feedbackNew: written.feedback,
    feedbackExisting: written.feedbackExisting,
    feedbackRemoved: written.feedbackRemoved,
    mediaRoot: dir,
    positive,
    encoded,
  };
}

function userOf(u: User): StoredUser {
  const { labels, ...attributes } = u.attributes;
  return {
    id: u.id,
    labels: typeof labels === 'string' ? labels.split('|').filter((s) => s !== '') : [],
    attributes,
  };
}

function feedbackOf(e: FeedbackEvent): StoredFeedback {
  return { user: e.user, item: e.item, type: e.type, value: e.value, timestamp: e.timestamp };
}
