/**
 * @module encoders/registry
 * The frozen table of encoders by media kind and name, as the CLI and the encode job name them:
 *
 * | kind | names |
 * |---|---|
 * | text | builtin, transformer, clip, clap |
 * | image | builtin, clip |
 * | audio | mfcc, clap |
 *
 * Every entry loads its module lazily (dynamic import), so that `fusionrec` starts without
 * loading transformers.js, sharp or meyda, and so that a worker thread only loads what it runs.
 */
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { ClapAudioOptions, ClapTextOptions } from './audio/clap.js';
import type { MfccAudioOptions } from './audio/mfcc.js';
import type { Encoder, MediaKind } from './encoder.js';
import type { BuiltinImageOptions } from './image/builtin.js';
import type { ClipImageOptions, ClipTextOptions } from './image/clip.js';
import type { BuiltinTextOptions } from './text/builtin.js';
import type { TransformerTextOptions } from './text/transformer.js';

/** Options handed to an encoder factory (each encoder documents its own keys). */
export type EncoderOptions = Record<string, unknown>;

/** One registered encoder. */
export interface EncoderEntry {
  readonly description: string;
  /** Whether it needs pretrained model weights (local model folder or a permitted download). */
  readonly needsWeights: boolean;
  create(options?: EncoderOptions): Promise<Encoder>;
}

/** One lazily loaded entry: `load` imports the module only when an encoder is created. */
function lazy(
  description: string,
  needsWeights: boolean,
  load: () => Promise<(options: EncoderOptions) => Encoder | Promise<Encoder>>,
): EncoderEntry {
  return Object.freeze({
    description,
    needsWeights,
    async create(options: EncoderOptions = {}): Promise<Encoder> {
      let make: (options: EncoderOptions) => Encoder | Promise<Encoder>;
      try {
        make = await load();
      } catch (err) {
        throw new NotSupportedError(`the encoder module could not be loaded (${description})`, {
          cause: err,
        });
      }
      return await make(options);
    },
  });
}

/** Every encoder by kind and name. */
export const ENCODERS: Readonly<Record<MediaKind, Readonly<Record<string, EncoderEntry>>>> = Object.freeze({
  text: Object.freeze({
    builtin: lazy(
      'hashed TF-IDF (word 1-2 + char 3-5-grams) fitted on the catalog, random projection or SVD; no weights',
      false,
      async () => {
        const m = await import('./text/builtin.js');
        return (o) => m.createBuiltinTextEncoder(o as BuiltinTextOptions);
      },
    ),
    transformer: lazy(
      'sentence transformer (default Xenova/all-MiniLM-L6-v2) through transformers.js, mean pooling',
      true,
      async () => {
        const m = await import('./text/transformer.js');
        return (o) => m.createTransformerTextEncoder(o as TransformerTextOptions);
      },
    ),
    clip: lazy(
      "CLIP's text tower (default Xenova/clip-vit-base-patch32; the image space)",
      true,
      async () => {
        const m = await import('./image/clip.js');
        return (o) => m.createClipTextEncoder(o as ClipTextOptions);
      },
    ),
    clap: lazy("CLAP's text tower (default Xenova/clap-htsat-unfused; the audio space)", true, async () => {
      const m = await import('./audio/clap.js');
      return (o) => m.createClapTextEncoder(o as ClapTextOptions);
    }),
  }),
  image: Object.freeze({
    builtin: lazy(
      'colour histogram, colour layout, edge and texture descriptors (sharp); no weights',
      false,
      async () => {
        const m = await import('./image/builtin.js');
        return (o) => m.createBuiltinImageEncoder(o as BuiltinImageOptions);
      },
    ),
    clip: lazy(
      "CLIP's image tower (default Xenova/clip-vit-base-patch32) through transformers.js",
      true,
      async () => {
        const m = await import('./image/clip.js');
        return (o) => m.createClipImageEncoder(o as ClipImageOptions);
      },
    ),
  }),
  audio: Object.freeze({
    mfcc: lazy(
      'MFCCs, deltas and spectral descriptors pooled over frames (meyda); no weights',
      false,
      async () => {
        const m = await import('./audio/mfcc.js');
        return (o) => m.createMfccAudioEncoder(o as MfccAudioOptions);
      },
    ),
    clap: lazy(
      "CLAP's audio tower (default Xenova/clap-htsat-unfused) through transformers.js",
      true,
      async () => {
        const m = await import('./audio/clap.js');
        return (o) => m.createClapAudioEncoder(o as ClapAudioOptions);
      },
    ),
  }),
});

/** The media kinds. */
export const MEDIA_KINDS: readonly MediaKind[] = Object.freeze(['text', 'image', 'audio'] as const);

function checkKind(kind: string): MediaKind {
  if (!(MEDIA_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(
      `unknown media kind "${kind}". Should be one of: ${MEDIA_KINDS.join(', ')}`,
    );
  }
  return kind as MediaKind;
}

/** The encoder names of one kind, in table order. */
export function encoderNames(kind: MediaKind): string[] {
  return Object.keys(ENCODERS[checkKind(kind)]);
}

/** The entry of `kind`/`name`; throws InvalidArgumentError listing the valid names. */
export function getEncoderEntry(kind: MediaKind, name: string): EncoderEntry {
  const table = ENCODERS[checkKind(kind)];
  const entry = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!entry) {
    throw new InvalidArgumentError(
      `unknown ${kind} encoder "${name}". Should be one of: ${encoderNames(kind).join(', ')}`,
    );
  }
  return entry;
}

/** Creates the encoder `kind`/`name` with `options` (rejects with InvalidArgumentError for unknown names). */
export async function createEncoder(
  kind: MediaKind,
  name: string,
  options: EncoderOptions = {},
): Promise<Encoder> {
  return getEncoderEntry(kind, name).create(options);
}
