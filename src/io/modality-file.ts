/**
 * @module io/modality-file
 * Attaching precomputed item features from a `.npy` file (row i = item index i) to a dataset.
 */
import type { Dataset } from '../data/dataset.js';
import { AlreadyExistsError, InvalidInputError, MismatchError } from '../errors.js';
import { type FeatureModality, makeModality } from '../modalities/modality.js';
import { readNpy } from './npy.js';

/**
 * Reads the 2-D array in `file` (items x dim), checks it has one row per item of `ds`, and pushes
 * it onto `ds.modalities` as modality `name`. Rows that are all zeros are marked missing in
 * `present`. Throws MismatchError when the row count differs from the number of items, and
 * AlreadyExistsError when `ds` already has a modality called `name`.
 */
export async function attachNpyModality(ds: Dataset, name: string, file: string): Promise<FeatureModality> {
  if (ds.modalities.some((m) => m.name === name)) {
    throw new AlreadyExistsError(`dataset "${ds.name}" already has a modality "${name}"`);
  }
  const { shape, data } = await readNpy(file);
  if (shape.length !== 2) {
    throw new InvalidInputError(
      { file, line: 0, field: 'shape' },
      `expected a 2-D array (items x dim), got shape (${shape.join(', ')})`,
    );
  }
  const [rows, dim] = shape as [number, number];
  if (rows !== ds.items.size) {
    throw new MismatchError(
      `modality "${name}" from ${file} has ${rows} rows, but dataset "${ds.name}" has ${ds.items.size} items`,
    );
  }
  const present = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let k = i * dim; k < (i + 1) * dim; k++) {
      if (data[k] !== 0) {
        present[i] = 1;
        break;
      }
    }
  }
  const modality = makeModality(name, rows, dim, data, file, present);
  ds.modalities.push(modality);
  return modality;
}
