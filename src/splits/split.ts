/**
 * @module splits/split
 * The result of splitting a dataset: train/valid/test matrices of one shape. Cold-start splits
 * also list the held-out items, which have no training interactions at all.
 */
import type { Interactions } from '../data/interactions.js';

export interface Split {
  /** How it was made, e.g. "random-8:1:1 seed=42" or "predefined". */
  readonly method: string;
  readonly train: Interactions;
  readonly valid: Interactions;
  readonly test: Interactions;
  /** Items held out of training (cold-start split), ascending. */
  readonly coldItems?: Int32Array;
  /** Cold-start split: the held-out items whose interactions form `valid`, ascending. */
  readonly coldValidItems?: Int32Array;
  /** Cold-start split: the held-out items whose interactions form `test`, ascending. */
  readonly coldTestItems?: Int32Array;
}
