/**
 * @module splits/audit
 * Sanity checks of a finished split: that its parts share one shape, that no (user, item) pair sits
 * in two parts (leakage), and that cold-start items have no training interaction.
 */
import type { Interactions } from '../data/interactions.js';
import type { Split } from './split.js';

/** What {@link auditSplit} found. */
export interface SplitAudit {
  /** Whether train, valid and test all have the train part's nUsers x nItems shape. */
  readonly sameShape: boolean;
  /** Stored pairs per part. */
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
  /** (user, item) pairs stored in more than one part; 0 for a sound split. */
  readonly leakedPairs: number;
  /** Items of `coldItems` that have a training interaction; 0 for a sound cold-start split. */
  readonly coldItemsInTrain: number;
}

/** Checks a split for shape mismatches, leaked pairs and warm "cold" items. */
export function auditSplit(split: Split): SplitAudit {
  const { train, valid, test } = split;
  const shape = (m: Interactions): boolean => m.nUsers === train.nUsers && m.nItems === train.nItems;
  const sameShape = shape(valid) && shape(test);
  let leakedPairs = 0;
  if (sameShape) {
    for (let u = 0; u < train.nUsers; u++) {
      for (const i of valid.row(u)) if (train.has(u, i)) leakedPairs++;
      for (const i of test.row(u)) if (train.has(u, i) || valid.has(u, i)) leakedPairs++;
    }
  }
  let coldItemsInTrain = 0;
  if (split.coldItems) {
    const counts = train.itemCounts();
    for (const i of split.coldItems) if ((counts[i] ?? 0) > 0) coldItemsInTrain++;
  }
  return {
    sameShape,
    sizes: { train: train.nnz, valid: valid.nnz, test: test.nnz },
    leakedPairs,
    coldItemsInTrain,
  };
}
