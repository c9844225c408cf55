/**
 * @module serve/engine/exposure-monitor
 * The bias figures of the experiment reports (eval/metrics/bias), live on the served traffic:
 * every personalised list this server serves (what an impression records) is kept in a
 * preallocated ring of the newest {@link WINDOW} lists (their first {@link LIST_DEPTH} items) per
 * (model version, A/B arm), as catalog indices with the
 * user's history popularity at serve time; figures are computed on request against the catalog's
 * current popularity. Each server reports its own traffic (behind a load balancer every server
 * sees a sample of the whole); nothing is stored, so a restart starts a new window.
 */

import { catalogCoverage } from '../../eval/metrics/beyond.js';
import {
  averagePopularity,
  exposureGini,
  longTailShare,
  tailItems,
  topItemsShare,
} from '../../eval/metrics/bias.js';
import type { CatalogState } from './catalog.js';

/** Lists kept per key. */
export const WINDOW = 10_000;

/** Items kept of each list (the figures are @20, like the reports'). */
export const LIST_DEPTH = 20;

/** One window, preallocated so that serving allocates nothing per list. */
interface Ring {
  model: string;
  version: number | null;
  arm: string | null;
  /** window x LIST_DEPTH catalog indices; `lengths[k]` of row k are used. */
  items: Int32Array;
  lengths: Uint8Array;
  /** Mean popularity of the user's history when the list was served (NaN: no history). */
  historyPop: Float64Array;
  /** Rows filled, and the next row to write. */
  filled: number;
  next: number;
  served: number;
}

/** Figures for one (model version, arm) window. */
export interface ExposureFigures {
  model: string;
  version: number | null;
  arm: string | null;
  /** Lists served since start, and kept in the window. */
  served: number;
  window: number;
  /** Mean over lists of the mean popularity (positive feedback count) of their items. */
  averagePopularity: number;
  /** (mean list popularity − mean history popularity) / mean history popularity, over users with a history. */
  popularityLift: number | null;
  /** Gini of item exposure (every catalog item counts, unseen ones as 0). */
  gini: number;
  /** Share of all exposures that went to the top 1% most exposed items. */
  top1Share: number;
  /** Share of the catalog that appeared at least once. */
  coverage: number;
  /** Share of exposures that went to long-tail items (outside the head holding 20% of feedback). */
  longTailShare: number;
}

export class ExposureMonitor {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly window = WINDOW) {}

  /** Records one served list (catalog indices, best first). */
  record(
    model: { name: string; version: number } | null,
    arm: string | null,
    items: readonly number[],
    historyPopularity: number,
  ): void {
    const key = `${model?.version ?? '-'}\u0000${arm ?? ''}`;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = {
        model: model?.name ?? 'fallback',
        version: model?.version ?? null,
        arm,
        items: new Int32Array(this.window * LIST_DEPTH),
        lengths: new Uint8Array(this.window),
        historyPop: new Float64Array(this.window),
        filled: 0,
        next: 0,
        served: 0,
      };
      this.rings.set(key, ring);
    }
    const row = ring.next;
    const len = Math.min(items.length, LIST_DEPTH);
    for (let k = 0; k < len; k++) ring.items[row * LIST_DEPTH + k] = items[k]!;
    ring.lengths[row] = len;
    ring.historyPop[row] = historyPopularity;
    ring.next = (row + 1) % this.window;
    ring.filled = Math.min(ring.filled + 1, this.window);
    ring.served++;
  }

  /** Figures of every window against the catalog's current popularity. */
  figures(catalog: CatalogState): ExposureFigures[] {
    const n = catalog.size;
    if (n === 0) return [];
    const pop = catalog.popularity.subarray(0, n);
    const tail = tailItems(pop);
    const out: ExposureFigures[] = [];
    for (const r of this.rings.values()) {
      const lists: Int32Array[] = [];
      const histPop: number[] = [];
      for (let row = 0; row < r.filled; row++) {
        const l = r.items.subarray(row * LIST_DEPTH, row * LIST_DEPTH + r.lengths[row]!);
        lists.push(l.filter((i) => i < n));
        histPop.push(r.historyPop[row]!);
      }
      if (lists.length === 0) continue;
      const arp = averagePopularity(lists, pop);
      let hist = 0;
      let rec = 0;
      let users = 0;
      lists.forEach((l, k) => {
        const h = histPop[k]!;
        if (!Number.isFinite(h) || l.length === 0) return;
        let s = 0;
        for (const i of l) s += pop[i]!;
        rec += s / l.length;
        hist += h;
        users++;
      });
      out.push({
        model: r.model,
        version: r.version,
        arm: r.arm,
        served: r.served,
        window: lists.length,
        averagePopularity: arp,
        popularityLift: users > 0 && hist > 0 ? (rec - hist) / hist : null,
        gini: exposureGini(lists, n),
        top1Share: topItemsShare(lists, n),
        coverage: catalogCoverage(lists, n),
        longTailShare: longTailShare(lists, tail),
      });
    }
    return out.sort(
      (a, b) => (b.version ?? -1) - (a.version ?? -1) || (a.arm ?? '').localeCompare(b.arm ?? ''),
    );
  }
}
