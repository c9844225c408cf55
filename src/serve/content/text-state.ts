/**
 * @module serve/content/text-state
 * JSON form of the built-in text encoder's fitted state (IDF, vocabulary, optional SVD), with the
 * typed arrays as base64, so the server can store it in the database and rebuild the very encoder
 * the catalog was encoded with: new items' text vectors then live in the same space as the
 * catalog's, which is what a trained content model expects.
 */
import type { BuiltinTextState } from '../../encoders/text/builtin.js';
import { InvalidInputError } from '../../errors.js';

type Typed = Int32Array | Float32Array;

function b64(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function unb64<T extends Typed>(s: unknown, Ctor: new (buf: ArrayBuffer) => T, field: string): T {
  if (typeof s !== 'string') {
    throw new InvalidInputError({ file: 'encoder state', line: 0, field }, 'expected a base64 string');
  }
  const bytes = Buffer.from(s, 'base64');
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return new Ctor(buf);
}

/** The JSON-safe form of a state. */
export interface SerializedTextState {
  idf: { bits: number; nDocs: number; vocab: string; idf: string; df: string };
  svd?: { features: string; loadings: string; digest: string };
}

export function serializeTextState(s: BuiltinTextState): SerializedTextState {
  const out: SerializedTextState = {
    idf: {
      bits: s.idf.bits,
      nDocs: s.idf.nDocs,
      vocab: b64(s.idf.vocab),
      idf: b64(s.idf.idf),
      df: b64(s.idf.df),
    },
  };
  if (s.svd) out.svd = { features: b64(s.svd.features), loadings: b64(s.svd.loadings), digest: s.svd.digest };
  return out;
}

export function deserializeTextState(s: SerializedTextState): BuiltinTextState {
  const state: BuiltinTextState = {
    idf: {
      bits: s.idf.bits,
      nDocs: s.idf.nDocs,
      vocab: unb64(s.idf.vocab, Int32Array, 'idf.vocab'),
      idf: unb64(s.idf.idf, Float32Array, 'idf.idf'),
      df: unb64(s.idf.df, Int32Array, 'idf.df'),
    },
  };
  if (s.svd) {
    state.svd = {
      features: unb64(s.svd.features, Int32Array, 'svd.features'),
      loadings: unb64(s.svd.loadings, Float32Array, 'svd.loadings'),
      digest: s.svd.digest,
    };
  }
  return state;
}
