/**
 * @module store/ab-counts
 * Per-arm A/B counts from the rows every backend's grouped queries return: impressions per arm
 * (and time bucket), distinct impressions with a click or a conversion per arm (and bucket).
 * The queries differ by SQL dialect; how their rows become counts is the same everywhere.
 */
import type { ArmBucket, ArmCounts } from './types.js';

export interface ImpressionRow {
  arm: string;
  n: number;
}
export interface EventRow extends ImpressionRow {
  kind: string;
}

/** Totals per arm, in the order the impression rows name the arms. */
export function armCounts(imps: readonly ImpressionRow[], events: readonly EventRow[]): ArmCounts[] {
  const byArm = new Map<string, ArmCounts>();
  const arm = (name: string) => {
    let a = byArm.get(name);
    if (!a) {
      a = { arm: name, impressions: 0, clicks: 0, conversions: 0 };
      byArm.set(name, a);
    }
    return a;
  };
  for (const r of imps) arm(r.arm).impressions = r.n;
  for (const r of events) {
    if (r.kind === 'click') arm(r.arm).clicks = r.n;
    else arm(r.arm).conversions = r.n;
  }
  return [...byArm.values()];
}

/** Counts per (bucket `b` = floor(time / bucketSeconds), arm), by time then arm. */
export function armBuckets(
  bucketSeconds: number,
  imps: readonly (ImpressionRow & { b: number })[],
  events: readonly (EventRow & { b: number })[],
): ArmBucket[] {
  const out = new Map<string, ArmBucket>();
  const at = (b: number, arm: string) => {
    const key = `${b}\u0000${arm}`;
    let x = out.get(key);
    if (!x) {
      x = { t: b * bucketSeconds, arm, impressions: 0, clicks: 0, conversions: 0 };
      out.set(key, x);
    }
    return x;
  };
  for (const r of imps) at(r.b, r.arm).impressions = r.n;
  for (const r of events) {
    if (r.kind === 'click') at(r.b, r.arm).clicks = r.n;
    else at(r.b, r.arm).conversions = r.n;
  }
  return [...out.values()].sort((a, b) => a.t - b.t || (a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0));
}
