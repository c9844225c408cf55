/**
 * @module encoders/encoder
 * The encoder interface: one pretrained or built-in model that turns one modality of an item
 * (text, an image file, an audio file) into a fixed-size Float32 vector. Encoders never throw for
 * one bad item: they report it as failed, so a batch with a corrupt file still completes.
 */

/** The media kinds fusionrec encodes. */
export type MediaKind = 'text' | 'image' | 'audio';

/** One item's input for one modality. Text encoders read `text`; media encoders read `path` or `bytes`. */
export interface EncoderInput {
  /** The item's id (for messages only). */
  id: string;
  text?: string;
  /** Absolute path of the media file. */
  path?: string;
  /** The media file's content, when already read (e.g. an upload). */
  bytes?: Uint8Array;
}

/** The result of encoding a batch: row b of `vectors` belongs to input b. */
export interface EncodeResult {
  /** batch x dims, row-major; rows of failed inputs are zero. */
  vectors: Float32Array;
  /** 1 where the input was encoded, 0 where it failed. */
  ok: Uint8Array;
  /** Why input b failed (undefined where it succeeded). */
  errors: (string | undefined)[];
}

export interface Encoder {
  /**
   * Identity of the encoder and every setting that changes its output, e.g.
   * "builtin-text:v1:dim=256:seed=42" or "transformer:Xenova/all-MiniLM-L6-v2:mean:norm". The feature
   * cache is keyed by (content hash, id), so two encoders with one id must give the same vectors.
   */
  readonly id: string;
  readonly kind: MediaKind;
  /** Output size (valid after fit() for encoders that fit). */
  readonly dims: number;
  /**
   * Encoders whose vectors depend on the catalog (TF-IDF vocabulary, SVD) learn it here; the id
   * must then include a digest of what was fitted. Others omit it.
   */
  fit?(inputs: readonly EncoderInput[]): Promise<void>;
  encode(batch: readonly EncoderInput[]): Promise<EncodeResult>;
  /** Releases models, sessions, workers. */
  dispose(): Promise<void>;
}

/** Allocates an EncodeResult for a batch of n with `dims` columns. */
export function emptyResult(n: number, dims: number): EncodeResult {
  return { vectors: new Float32Array(n * dims), ok: new Uint8Array(n), errors: new Array(n).fill(undefined) };
}

/** L2-normalises each row of a batch in place (zero rows stay zero). */
export function l2NormalizeRows(vectors: Float32Array, dims: number): void {
  for (let off = 0; off < vectors.length; off += dims) {
    let s = 0;
    for (let d = 0; d < dims; d++) s += vectors[off + d]! * vectors[off + d]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dims; d++) vectors[off + d]! *= inv;
  }
}
