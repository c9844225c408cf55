/**
 * @module serve/engine/live-rate
 * A rolling count of events over the last minute, kept in memory: the status strip's feedback rate
 * counts only feedback that arrived through this server's API (live traffic), never imported
 * history or rows another process wrote. Counts are kept per second in a ring of 60 buckets, so
 * memory stays constant whatever the traffic.
 */

const WINDOW_S = 60;

export class LiveRate {
  private readonly counts = new Float64Array(WINDOW_S);
  private readonly seconds = new Float64Array(WINDOW_S).fill(-1);

  /** Records `n` events at `now` (ms). */
  add(n: number, now = Date.now()): void {
    if (!(n > 0)) return;
    const s = Math.floor(now / 1000);
    const k = s % WINDOW_S;
    if (this.seconds[k] !== s) {
      this.seconds[k] = s;
      this.counts[k] = 0;
    }
    this.counts[k]! += n;
  }

  /** Events recorded in the 60 s up to `now` (ms). */
  perMinute(now = Date.now()): number {
    const s = Math.floor(now / 1000);
    let total = 0;
    for (let k = 0; k < WINDOW_S; k++) {
      const at = this.seconds[k]!;
      if (at > s - WINDOW_S && at <= s) total += this.counts[k]!;
    }
    return total;
  }
}
