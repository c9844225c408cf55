/**
 * @module serve/content/prepare-items
 * What an item upsert does before it writes, shared by the engine (POST /v1/items) and the stream
 * ingester (`fusionrec worker --stream`), so that an item arriving either way is stored the same:
 * media references checked against the media root, content encoded with the catalog's encoders,
 * each item's per-modality status set. Also where the media root of a store is.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { normalizeMediaRef } from '../../store/media.js';
import type { Store, StoredItem } from '../../store/types.js';
import { type ContentEncoders, type EncodedItems, META } from './encoders.js';

/** Checks media references against the media root (throws InvalidInputError at `<prefix>image`). */
export function normalizeItemMedia(
  mediaRoot: string,
  items: readonly StoredItem[],
  prefix: (k: number) => string,
): StoredItem[] {
  return items.map((it, k) => {
    const out = { ...it };
    if (it.image !== undefined) out.image = normalizeMediaRef(mediaRoot, it.image, `${prefix(k)}image`);
    if (it.audio !== undefined) out.audio = normalizeMediaRef(mediaRoot, it.audio, `${prefix(k)}audio`);
    return out;
  });
}

/** Items ready for Store.upsertItems (`items` with their modality status, `enc.vectors`). */
export interface PreparedItems {
  items: StoredItem[];
  enc: EncodedItems;
}

/** Normalizes media references and encodes the items' content; writes nothing. */
export async function prepareItems(
  content: ContentEncoders,
  mediaRoot: string,
  input: readonly StoredItem[],
): Promise<PreparedItems> {
  const items = normalizeItemMedia(mediaRoot, input, (k) => `[${k}].`);
  const enc = await content.encodeItems(items);
  return { items: items.map((it) => ({ ...it, modalities: { ...enc.status.get(it.id) } })), enc };
}

/**
 * The folder item media paths are relative to: `override`, else the store's `media-root`, else
 * `<db folder>/media`, else a temporary folder of this process.
 */
export async function mediaRootOf(store: Store, override?: string): Promise<string> {
  const stored = await store.getMeta<string>(META.mediaRoot);
  return resolve(
    override ??
      stored ??
      (store.dataDir ? join(store.dataDir, 'media') : join(tmpdir(), `fusionrec-media-${process.pid}`)),
  );
}
