/**
 * @module modalities/modality
 * A feature modality: one row of `dim` floats per item (row i = item index i), with a mask of
 * which items actually have it. Encoders and `.npy` files produce these; fusion consumes them.
 */
import { MismatchError } from '../errors.js';

export interface FeatureModality {
  /** Name, e.g. "text", "image", "audio", "vggish". */
  readonly name: string;
  readonly dim: number;
  /** Row-major nItems x dim. Rows of missing items are zero. */
  readonly data: Float32Array;
  /** 1 where the item has this modality, 0 where it is missing. */
  readonly present: Uint8Array;
  /** Where it came from (file path, encoder id). */
  readonly source: string;
}

/** Builds a modality, checking that the data is nItems x dim. */
export function makeModality(
  name: string,
  nItems: number,
  dim: number,
  data: Float32Array,
  source: string,
  present?: Uint8Array,
): FeatureModality {
  if (data.length !== nItems * dim) {
    throw new MismatchError(
      `modality "${name}" from ${source}: data has ${data.length} floats, expected ${nItems} items x ${dim} dims`,
    );
  }
  const mask = present ?? new Uint8Array(nItems).fill(1);
  if (mask.length !== nItems) {
    throw new MismatchError(`modality "${name}": mask has ${mask.length} entries, expected ${nItems}`);
  }
  return { name, dim, data, present: mask, source };
}

/** Row i of a modality (a view). */
export function modalityRow(m: FeatureModality, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}
