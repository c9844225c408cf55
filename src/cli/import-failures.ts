/**
 * @module cli/import-failures
 * The lines `fusionrec import` prints for media that could not be encoded: each failure with its
 * item, modality and reason (the first 20, then how many more), so a missing `images/i2.jpg` is
 * named instead of only counted.
 */
import type { MediaKind } from '../encoders/encoder.js';
import type { ModalityReport } from '../jobs/encode.js';

/** Failures shown before "… and N more". */
export const SHOWN_FAILURES = 20;

/** One line per failure (item, modality, reason), at most `limit`, then "and N more"; [] if none. */
export function importFailureLines(
  encoded: Partial<Record<MediaKind, ModalityReport>>,
  limit = SHOWN_FAILURES,
): string[] {
  const all = Object.entries(encoded).flatMap(([kind, r]) =>
    (r?.failed ?? []).map((f) => `  item ${f.id}, ${kind}: ${f.reason}`),
  );
  if (all.length === 0) return [];
  const lines = [`${all.length} failed to encode:`, ...all.slice(0, limit)];
  if (all.length > limit) lines.push(`  and ${all.length - limit} more`);
  return lines;
}
