import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { LogBuilder } from '../data/log.js';
import { auditSplit } from './audit.js';

function matrix(nUsers: number, nItems: number, pairs: [number, number][]): Interactions {
  const b = new LogBuilder();
  for (const [u, i] of pairs) b.push(u, i);
  return Interactions.fromLog(b.build(), nUsers, nItems);
}

describe('auditSplit', () => {
  it('counts leaked pairs and warm cold items', () => {
    const a = auditSplit({
      method: 'hand-made',
      train: matrix(2, 4, [
        [0, 0],
        [0, 1],
        [1, 3],
      ]),
      valid: matrix(2, 4, [[0, 1]]),
      test: matrix(2, 4, [
        [0, 1],
        [1, 2],
        [1, 3],
      ]),
      coldItems: Int32Array.from([2, 3]),
    });
    expect(a.sameShape).toBe(true);
    expect(a.sizes).toEqual({ train: 3, valid: 1, test: 3 });
    expect(a.leakedPairs).toBe(3);
    expect(a.coldItemsInTrain).toBe(1);
  });
  it('flags parts of different shapes', () => {
    const m = matrix(2, 4, []);
    expect(auditSplit({ method: 'x', train: m, valid: m, test: matrix(2, 5, []) }).sameShape).toBe(false);
  });
});
