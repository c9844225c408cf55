/**
 * @module serve/content/encoders
 * The server's content encoders: the encoders the catalog was encoded with (recorded in the store's
 * metadata by `fusionrec import`, default built-in text, built-in image, MFCC audio), used to
 * encode new and changed items at insert and search queries.
 *
 * The built-in text encoder fits a TF-IDF on the catalog; its fitted state is stored in the
 * database and reused, so new items' text vectors are in the same space as the catalog's (which a
 * trained content model expects). A text with no n-gram of the fitted vocabulary fails to encode
 * ("failed"). A database that never had a text fit gets one at the first insert with text, over
 * every stored item plus the batch. Re-fitting on a grown catalog is `fusionrec import --reencode`.
 *
 * Text queries reach image (audio) vectors only when those came from CLIP (CLAP), whose text tower
 * shares the space; posted images and clips are encoded with the catalog's image/audio encoder.
 *
 * Nothing heavy runs on the main thread in one piece: posted media are checked against the media
 * limits from their header first (400 naming the field), the built-in image and audio encoders
 * run in the bounded encode service (worker threads, see encode-service.ts), and what stays here
 * (text, encoders with model weights) yields to the event loop between small batches.
 */
import { readFile } from 'node:fs/promises';
import type { Item } from '../../data/types.js';
import type { EncodeResult, Encoder, EncoderInput, MediaKind } from '../../encoders/encoder.js';
import { createEncoder, ENCODERS } from '../../encoders/registry.js';
import { type BuiltinTextEncoder, createBuiltinTextEncoder } from '../../encoders/text/builtin.js';
import { describeError, InvalidInputError, InvalidRequestError, NotSupportedError } from '../../errors.js';
import { itemText } from '../../jobs/encode-inputs.js';
import { isRemoteRef, resolveMediaPath } from '../../store/media.js';
import type { ItemVectorRecord, ModalityStatus, Store, StoredItem } from '../../store/types.js';
import { EncodeBusyError, EncodeTimeoutError } from './busy.js';
import { EncodeService } from './encode-service.js';
import { checkMediaHeader, DEFAULT_MEDIA_LIMITS, type MediaLimits } from './limits.js';
import { fetchRemoteMedia, RemoteFetchError, type RemoteFetchOptions } from './remote-fetch.js';
import { TimeSlicer } from './slices.js';
import { deserializeTextState, type SerializedTextState, serializeTextState } from './text-state.js';

/** An encoder by registry name with its options. */
export interface EncoderSpec {
  name: string;
  options?: Record<string, unknown>;
}

export type EncodersConfig = Partial<Record<MediaKind, EncoderSpec>>;

/** Metadata keys. */
export const META = {
  encoders: 'encoders',
  textState: 'encoder-state:text',
  mediaRoot: 'media-root',
  positive: 'positive',
} as const;

/** Encoders of a database that records none: the built-in ones (no weights needed). */
export const DEFAULT_ENCODERS: EncodersConfig = Object.freeze({
  text: { name: 'builtin' },
  image: { name: 'builtin' },
  audio: { name: 'mfcc' },
});

const KINDS: readonly MediaKind[] = ['text', 'image', 'audio'];
const BATCH = 32;

/** What encoding a batch of items gave. */
export interface EncodedItems {
  vectors: ItemVectorRecord[];
  /** Per item id: the status of each configured modality. */
  status: Map<string, Partial<Record<MediaKind, ModalityStatus>>>;
  failed: { id: string; modality: MediaKind; reason: string }[];
  encoded: Record<MediaKind, number>;
}

/** The text of an item as the encode job builds it (title, description, then other fields). */
export function storedItemText(item: StoredItem): string {
  return itemText({ text: item.text } as Item);
}

/** Errors that fail a whole request (503) rather than one item. */
function isServiceRefusal(err: unknown): boolean {
  return err instanceof EncodeBusyError || err instanceof EncodeTimeoutError;
}

/** Adds one encoded batch to `out`: a vector and "present" per encoded input, a failure otherwise. */
function record(
  kind: MediaKind,
  inputs: readonly EncoderInput[],
  r: EncodeResult & { id: string; dims: number },
  out: EncodedItems,
  fail: (id: string, modality: MediaKind, reason: string) => void,
): void {
  inputs.forEach((x, b) => {
    if (!r.ok[b]) {
      fail(x.id, kind, r.errors[b] ?? 'the encoder gave no reason');
      return;
    }
    out.vectors.push({
      item: x.id,
      modality: kind,
      encoder: r.id,
      vector: r.vectors.slice(b * r.dims, (b + 1) * r.dims),
    });
    out.status.get(x.id)![kind] = 'present';
    out.encoded[kind]++;
  });
}

export class ContentEncoders {
  private readonly made = new Map<string, Promise<Encoder>>();
  /** Whether this instance made (and so disposes) its encode service. */
  private ownService = false;

  private constructor(
    private readonly store: Store,
    readonly config: EncodersConfig,
    readonly mediaRoot: string,
    private readonly allowRemote: boolean,
    private service: EncodeService | undefined,
    /** Limits and allowed internal hosts of remote media fetches (`--allow-remote`). */
    private readonly remote: RemoteFetchOptions = {},
  ) {}

  /**
   * The encoders the store records (or the defaults) over `mediaRoot`. Media are encoded in
   * `service` (the server's, shared across engine reloads and disposed by the server), else in a
   * service of this instance's own with the default bounds, started on first use.
   */
  static async open(
    store: Store,
    mediaRoot: string,
    options: { allowRemote?: boolean; service?: EncodeService; remote?: RemoteFetchOptions } = {},
  ): Promise<ContentEncoders> {
    const config = (await store.getMeta<EncodersConfig>(META.encoders)) ?? DEFAULT_ENCODERS;
    return new ContentEncoders(
      store,
      config,
      mediaRoot,
      options.allowRemote ?? false,
      options.service,
      options.remote,
    );
  }

  /** The encode service (this instance's own is started on first use). */
  get encodeService(): EncodeService {
    if (!this.service) {
      this.service = new EncodeService();
      this.ownService = true;
    }
    return this.service;
  }

  /** The media limits every posted or stored picture and clip is held to. */
  get limits(): MediaLimits {
    return this.service?.limits ?? DEFAULT_MEDIA_LIMITS;
  }

  /** Whether modality `kind` is encoded in the encode service (built-in media encoders, no weights). */
  offThread(kind: MediaKind): boolean {
    const name = this.config[kind]?.name;
    if (kind === 'text' || name === undefined) return false;
    return ENCODERS[kind][name]?.needsWeights === false;
  }

  /** The service's reference to `kind`'s encoder, with the limits it must apply. */
  private serviceRef(kind: MediaKind) {
    const spec = this.config[kind]!;
    const options = { ...(spec.options ?? {}) };
    if (kind === 'image') options.maxPixels = this.limits.maxImagePixels;
    return { kind, name: spec.name, options };
  }

  /** Modalities with an encoder. */
  get kinds(): MediaKind[] {
    return KINDS.filter((k) => this.config[k] !== undefined);
  }

  /** Whether a text query can search modality `kind` (shared text space). */
  textReaches(kind: MediaKind): boolean {
    if (kind === 'text') return this.config.text !== undefined;
    const name = this.config[kind]?.name;
    return (kind === 'image' && name === 'clip') || (kind === 'audio' && name === 'clap');
  }

  private cached(key: string, make: () => Promise<Encoder>): Promise<Encoder> {
    let p = this.made.get(key);
    if (!p) {
      p = make();
      this.made.set(key, p);
      p.catch(() => this.made.delete(key));
    }
    return p;
  }

  /** The built-in text encoder with the stored fit, fitting (and storing) one when none exists. */
  private async builtinText(spec: EncoderSpec, extraTexts: readonly string[]): Promise<BuiltinTextEncoder> {
    // made once per instance (a changed fit in the store reloads the engine with new encoders);
    // reading and decoding the stored state (megabytes) on every call blocked the event loop
    const made = this.made.get('text');
    if (made) return (await made) as BuiltinTextEncoder;
    const stored = await this.store.getMeta<SerializedTextState>(META.textState);
    if (stored) {
      return (await this.cached('text', async () =>
        createBuiltinTextEncoder({ ...(spec.options ?? {}), state: deserializeTextState(stored) }),
      )) as BuiltinTextEncoder;
    }
    const enc = createBuiltinTextEncoder(spec.options ?? {});
    const texts = (await this.store.allItems())
      .map(storedItemText)
      .concat(extraTexts)
      .filter((t) => t.trim() !== '');
    if (texts.length === 0) throw new NotSupportedError('no text to fit the built-in text encoder on yet');
    await enc.fit(texts.map((text, k) => ({ id: String(k), text })));
    await this.store.setMeta(META.textState, serializeTextState(enc.exportState()));
    this.made.set('text', Promise.resolve(enc));
    return enc;
  }

  /** The item encoder of `kind` (undefined when none is configured). */
  async encoder(kind: MediaKind, extraTexts: readonly string[] = []): Promise<Encoder | undefined> {
    const spec = this.config[kind];
    if (!spec) return undefined;
    if (kind === 'text' && spec.name === 'builtin') return this.builtinText(spec, extraTexts);
    return this.cached(kind, () => createEncoder(kind, spec.name, spec.options ?? {}));
  }

  /** The encoder that puts a text query into modality `kind`'s space, if there is one. */
  private async queryTextEncoder(kind: MediaKind): Promise<Encoder | undefined> {
    if (kind === 'text') return this.encoder('text');
    if (!this.textReaches(kind)) return undefined;
    const spec = this.config[kind]!;
    return this.cached(`text->${kind}`, () => createEncoder('text', spec.name, spec.options ?? {}));
  }

  /** Encodes a text query for modality `kind`; undefined when it cannot be (no encoder, no known terms). */
  async encodeText(kind: MediaKind, text: string): Promise<Float32Array | undefined> {
    return (await this.encodeQuery(kind, text)).vector;
  }

  /**
   * A text query in modality `kind`'s space with the relevance floor of its scores (-Infinity:
   * none), or why it cannot match anything there (`why`, one sentence for the caller's `note`).
   *
   * The built-in text encoder gets a floor and a known-word check; other encoders get neither
   * (their cosines are calibrated differently, and CLIP/CLAP text-to-media scores are low anyway).
   * Why: the built-in encoder projects hashed TF-IDF vectors to `dims` dimensions at random, so
   * the cosine of two texts that share nothing is noise of about 1/sqrt(dims) (0.0625 at 256), and
   * any string shares some character 3-grams with a catalog. On the demo catalog (1,500 items,
   * seed 42): nonsense ("qwertyuiop", "xyzzy", "tax return form") topped out at 0.17-0.29, as
   * did real words no item contains ("guitar" 0.27); items that do not contain any query word
   * scored at p99 0.16 and p99.9 0.22, while the top-10 of every query with a catalog word
   * scored 0.27-0.53. So a query must contain a word the fit saw as a word (or a word of an item
   * added since: `catalogWords`), and hits must
   * score at least 3.2/sqrt(dims) (0.2 at 256: about the largest noise among ~1,500 items).
   */
  async encodeQuery(
    kind: MediaKind,
    text: string,
    /** Words of the query found in the live catalog's texts (items added after the fit count too). */
    catalogWords: (text: string) => number = () => 0,
  ): Promise<{ vector?: Float32Array; floor: number; why?: string }> {
    if (!this.textReaches(kind)) {
      const name = this.config[kind]?.name;
      const linked = kind === 'image' ? 'CLIP' : 'CLAP';
      return {
        floor: Number.NEGATIVE_INFINITY,
        why: name
          ? `a text query reaches ${kind} vectors only when a ${linked}-type encoder made them (it shares its space with text); this catalog's ${kind} encoder is "${name}": search ${kind} by posting one, or use modality text`
          : `no ${kind} encoder is configured`,
      };
    }
    let enc: Encoder | undefined;
    try {
      enc = await this.queryTextEncoder(kind);
    } catch (err) {
      return {
        floor: Number.NEGATIVE_INFINITY,
        why: `the ${kind} query encoder is not available: ${describeError(err)}`,
      };
    }
    if (!enc) return { floor: Number.NEGATIVE_INFINITY, why: `no ${kind} encoder is configured` };
    const builtin = kind === 'text' && this.config.text?.name === 'builtin';
    if (builtin && (enc as BuiltinTextEncoder).knownWords(text) === 0 && catalogWords(text) === 0) {
      return {
        floor: Number.NEGATIVE_INFINITY,
        why: `no word of "${text.slice(0, 80)}" occurs in the catalog's text, so nothing can match`,
      };
    }
    const r = await enc.encode([{ id: 'query', text }]);
    if (!r.ok[0])
      return {
        floor: Number.NEGATIVE_INFINITY,
        why: `"${text.slice(0, 80)}" could not be encoded: ${r.errors[0] ?? 'no reason given'}`,
      };
    return {
      vector: r.vectors.slice(0, enc.dims),
      floor: builtin ? Math.min(0.5, 3.2 / Math.sqrt(enc.dims)) : Number.NEGATIVE_INFINITY,
    };
  }

  /**
   * Encodes posted media bytes with the modality's item encoder. Media over the limits throw
   * InvalidInputError naming `kind` (checked from the header before decoding where the format
   * allows); a busy or timed-out encode service throws its 503 errors.
   */
  async encodeBytes(
    kind: 'image' | 'audio',
    bytes: Uint8Array,
  ): Promise<{ vector?: Float32Array; error?: string }> {
    if (!this.config[kind]) return { error: `no ${kind} encoder is configured` };
    await checkMediaHeader(kind, bytes, this.limits);
    if (this.offThread(kind)) {
      const r = await this.encodeService.encode(
        this.serviceRef(kind),
        [{ id: 'query', bytes }],
        `posted ${kind}`,
      );
      if (r.ok[0]) return { vector: r.vectors.slice(0, r.dims) };
      const error = r.errors[0] ?? 'could not encode';
      if (/the limit is/.test(error)) {
        throw new InvalidRequestError(kind, error.replace(/^item query: /, ''));
      }
      return { error };
    }
    const enc = await this.encoder(kind);
    if (!enc) return { error: `no ${kind} encoder is configured` };
    const r = await enc.encode([{ id: 'query', bytes }]);
    return r.ok[0] ? { vector: r.vectors.slice(0, enc.dims) } : { error: r.errors[0] ?? 'could not encode' };
  }

  /**
   * Encodes every configured modality of `items`. Never throws for one bad item: it is reported
   * as failed (missing file, reference outside the media root, unreadable media, no known terms).
   */
  async encodeItems(items: readonly StoredItem[]): Promise<EncodedItems> {
    const out: EncodedItems = {
      vectors: [],
      status: new Map(items.map((i) => [i.id, {}])),
      failed: [],
      encoded: { text: 0, image: 0, audio: 0 },
    };
    const fail = (id: string, modality: MediaKind, reason: string) => {
      out.status.get(id)![modality] = 'failed';
      out.failed.push({ id, modality, reason });
    };
    const slicer = new TimeSlicer();
    for (const kind of this.kinds) {
      const inputs: EncoderInput[] = [];
      for (const it of items) {
        if (kind === 'text') {
          const text = storedItemText(it);
          if (text === '') out.status.get(it.id)!.text = 'missing';
          else inputs.push({ id: it.id, text });
          continue;
        }
        const ref = kind === 'image' ? it.image : it.audio;
        if (!ref) {
          out.status.get(it.id)![kind] = 'missing';
          continue;
        }
        if (isRemoteRef(ref)) {
          if (!this.allowRemote) {
            fail(it.id, kind, `remote media not fetched (offline): ${ref}`);
            continue;
          }
          try {
            inputs.push({ id: it.id, bytes: await fetchRemoteMedia(ref, this.remote) });
          } catch (err) {
            const why = err instanceof RemoteFetchError ? err.message : 'could not be fetched';
            fail(it.id, kind, `fetching ${ref}: ${why}`);
          }
          continue;
        }
        const path = await resolveMediaPath(this.mediaRoot, ref);
        if (path === undefined) fail(it.id, kind, `file not found inside the media root: ${ref}`);
        else inputs.push({ id: it.id, path });
      }
      if (inputs.length === 0) continue;
      if (kind !== 'text' && this.offThread(kind)) {
        await this.encodeItemsOffThread(kind, inputs, out, fail);
        continue;
      }
      let enc: Encoder | undefined;
      try {
        enc = await this.encoder(
          kind,
          inputs.map((x) => x.text ?? ''),
        );
      } catch (err) {
        for (const x of inputs) fail(x.id, kind, `no ${kind} encoder: ${describeError(err)}`);
        continue;
      }
      if (!enc) continue;
      for (let start = 0; start < inputs.length; start += BATCH) {
        await slicer.pause();
        const batch = await this.checkedBatch(kind, inputs.slice(start, start + BATCH), fail);
        if (batch.length === 0) continue;
        const r = await enc.encode(batch);
        record(kind, batch, { ...r, id: enc.id, dims: enc.dims }, out, fail);
      }
    }
    return out;
  }

  /** Encodes one modality of a batch of items in the encode service (a 503 refusal fails the batch). */
  private async encodeItemsOffThread(
    kind: MediaKind,
    inputs: EncoderInput[],
    out: EncodedItems,
    fail: (id: string, modality: MediaKind, reason: string) => void,
  ): Promise<void> {
    let r: Awaited<ReturnType<EncodeService['encode']>>;
    try {
      r = await this.encodeService.encode(this.serviceRef(kind), inputs, `${kind} of ${inputs.length} items`);
    } catch (err) {
      if (isServiceRefusal(err)) throw err;
      for (const x of inputs) fail(x.id, kind, `no ${kind} encoder: ${describeError(err)}`);
      return;
    }
    record(kind, inputs, r, out, fail);
  }

  /**
   * Media for a main-thread encoder (one with model weights), read and checked against the limits
   * from their header; inputs over a limit fail and are left out.
   */
  private async checkedBatch(
    kind: MediaKind,
    batch: EncoderInput[],
    fail: (id: string, modality: MediaKind, reason: string) => void,
  ): Promise<EncoderInput[]> {
    if (kind === 'text') return batch;
    const kept: EncoderInput[] = [];
    for (const x of batch) {
      try {
        const bytes = x.bytes ?? new Uint8Array(await readFile(x.path!));
        await checkMediaHeader(kind, bytes, this.limits);
        kept.push({ id: x.id, bytes, ...(x.path === undefined ? {} : { path: x.path }) });
      } catch (err) {
        const detail =
          err instanceof InvalidRequestError || err instanceof InvalidInputError
            ? err.detail
            : describeError(err);
        fail(x.id, kind, `${x.path ?? `item ${x.id}`}: ${detail}`);
      }
    }
    return kept;
  }

  /** A summary for /v1/status: encoder name per modality. */
  describe(): Partial<Record<MediaKind, string>> {
    const out: Partial<Record<MediaKind, string>> = {};
    for (const k of this.kinds) out[k] = this.config[k]!.name;
    return out;
  }

  async dispose(): Promise<void> {
    const service = this.ownService ? this.service : undefined;
    this.service = undefined;
    this.ownService = false;
    await service?.dispose();
    const all = [...this.made.values()];
    this.made.clear();
    for (const p of all) {
      try {
        await (await p).dispose();
      } catch {
        // an encoder that failed to start has nothing to release
      }
    }
  }
}
