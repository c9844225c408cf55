/**
 * @module rerank/groups
 * Item groups for exposure fairness: from one label per item, each group's share of the catalog.
 */
import type { ItemGroups } from './types.js';

/** Groups from per-item labels (undefined: no group), with each group's share of the labelled items. */
export function makeItemGroups(labels: readonly (string | undefined)[]): ItemGroups {
  const counts = new Map<string, number>();
  let n = 0;
  for (const g of labels) {
    if (g === undefined) continue;
    counts.set(g, (counts.get(g) ?? 0) + 1);
    n++;
  }
  const share = new Map<string, number>();
  for (const [g, c] of counts) share.set(g, c / n);
  return { of: (item) => labels[item], share };
}
