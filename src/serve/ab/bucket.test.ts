import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { assignArm } from './bucket.js';

describe('assignArm', () => {
  const arms = [
    { name: 'control', share: 50 },
    { name: 'b', share: 30 },
    { name: 'c', share: 20 },
  ];

  it('respects the shares over 100k users', () => {
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let u = 0; u < n; u++) {
      const arm = assignArm('exp-1', `user-${u}`, arms);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    // Binomial sd at n = 100k is at most 0.0016: allow 4 sd.
    expect(Math.abs(counts.get('control')! / n - 0.5)).toBeLessThan(0.0064);
    expect(Math.abs(counts.get('b')! / n - 0.3)).toBeLessThan(0.0064);
    expect(Math.abs(counts.get('c')! / n - 0.2)).toBeLessThan(0.0064);
  });

  it('gives the same user the same arm, and never an arm of share 0', () => {
    for (let u = 0; u < 1000; u++) {
      expect(assignArm('exp-1', `u${u}`, arms)).toBe(assignArm('exp-1', `u${u}`, arms));
      expect(assignArm('e', `u${u}`, [{ name: 'off', share: 0 }, ...arms])).not.toBe('off');
    }
  });

  it('reshuffles users when the experiment id changes', () => {
    const half = [
      { name: 'a', share: 1 },
      { name: 'b', share: 1 },
    ];
    let same = 0;
    const n = 20_000;
    for (let u = 0; u < n; u++)
      if (assignArm('exp-1', `${u}`, half) === assignArm('exp-2', `${u}`, half)) same++;
    // Independent assignments agree half of the time (sd 0.0035).
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.015);
  });

  it('handles unicode ids and rejects bad arms', () => {
    expect(['a', 'b']).toContain(
      assignArm('exp', 'użytkownik-😀', [
        { name: 'a', share: 1 },
        { name: 'b', share: 1 },
      ]),
    );
    expect(() => assignArm('e', 'u', [])).toThrow(InvalidArgumentError);
    expect(() => assignArm('e', 'u', [{ name: 'a', share: 0 }])).toThrow(InvalidArgumentError);
    expect(() => assignArm('e', 'u', [{ name: 'a', share: -1 }])).toThrow(InvalidArgumentError);
    expect(() =>
      assignArm('e', 'u', [
        { name: 'a', share: 1 },
        { name: 'a', share: 1 },
      ]),
    ).toThrow(InvalidArgumentError);
  });
});
