import { describe, expect, it } from 'vitest';
import { LiveRate } from './live-rate.js';

describe('LiveRate', () => {
  it('counts the events of the last 60 seconds only', () => {
    const r = new LiveRate();
    const t = 1_000_000_000;
    r.add(2, t);
    r.add(3, t + 30_000);
    expect(r.perMinute(t + 30_000)).toBe(5);
    expect(r.perMinute(t + 60_500)).toBe(3);
    expect(r.perMinute(t + 91_000)).toBe(0);
    r.add(1, t + 120_000); // reuses the bucket of t: the old count is gone
    expect(r.perMinute(t + 120_000)).toBe(1);
  });
});
