import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { makeModality } from '../modalities/modality.js';
import { Rng } from '../util/rng.js';
import type { Dataset } from './dataset.js';
import { IdMap } from './id-map.js';
import { applyKcore, kcore } from './kcore.js';
import { type InteractionLog, LogBuilder } from './log.js';
import type { Item } from './types.js';

function logOf(pairs: [number, number][], labels = false): InteractionLog {
  const b = new LogBuilder({ withLabels: labels });
  pairs.forEach(([u, i], r) => {
    b.push(u, i, r + 1, 1000 + r, labels ? r % 3 : undefined);
  });
  return b.build();
}

/** Reference: full passes over the pair set until nothing changes. */
function naive(pairs: [number, number][], userK: number, itemK: number): Set<string> {
  let alive = new Set(pairs.map(([u, i]) => `${u},${i}`));
  for (;;) {
    const uc = new Map<string, number>();
    const ic = new Map<string, number>();
    for (const p of alive) {
      const [u, i] = p.split(',') as [string, string];
      uc.set(u, (uc.get(u) ?? 0) + 1);
      ic.set(i, (ic.get(i) ?? 0) + 1);
    }
    const next = new Set(
      [...alive].filter((p) => {
        const [u, i] = p.split(',') as [string, string];
        return uc.get(u)! >= userK && ic.get(i)! >= itemK;
      }),
    );
    if (next.size === alive.size) return alive;
    alive = next;
  }
}

describe('kcore', () => {
  it('iterates until stable when one pass is not enough', () => {
    // u3 has 1 item -> removing it leaves i2 with 1 user -> removing i2 leaves u2 with 1 item.
    const pairs: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 2],
    ];
    const res = kcore(logOf(pairs), 4, 3, { userK: 2, itemK: 2 });
    expect(Array.from(res.keptUsers)).toEqual([0, 1]);
    expect(Array.from(res.keptItems)).toEqual([0, 1]);
    expect(Array.from(res.rows)).toEqual([0, 1, 2, 3]);
    expect(Array.from(res.userMap)).toEqual([0, 1, -1, -1]);
    expect(Array.from(res.itemMap)).toEqual([0, 1, -1]);
  });

  it('counts unique pairs, not rows, and can empty everything', () => {
    const pairs: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [1, 0],
      [1, 1],
    ];
    const res = kcore(logOf(pairs), 2, 2, { userK: 2, itemK: 1 });
    expect(Array.from(res.keptUsers)).toEqual([1]);
    expect(Array.from(res.rows)).toEqual([3, 4]);
    // A cycle of length 3 with userK=itemK=2 cascades away completely.
    const chain: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 2],
    ];
    const empty = kcore(logOf(chain), 3, 3, { userK: 2, itemK: 2 });
    expect(empty.rows.length).toBe(0);
    expect(empty.keptUsers.length).toBe(0);
    expect(empty.keptItems.length).toBe(0);
  });

  it('keeps everything (even users and items without interactions) with k = 0', () => {
    const res = kcore(logOf([[1, 1]]), 3, 3, { userK: 0, itemK: 0 });
    expect(Array.from(res.keptUsers)).toEqual([0, 1, 2]);
    expect(Array.from(res.keptItems)).toEqual([0, 1, 2]);
    const one = kcore(logOf([[1, 1]]), 3, 3, { userK: 1, itemK: 1 });
    expect(Array.from(one.keptUsers)).toEqual([1]);
    expect(Array.from(one.keptItems)).toEqual([1]);
  });

  it('matches repeated full passes on random logs', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 30; t++) {
      const nU = 5 + rng.int(20);
      const nI = 5 + rng.int(20);
      const pairs: [number, number][] = Array.from({ length: rng.int(120) }, () => [
        rng.int(nU),
        rng.int(nI),
      ]);
      const userK = rng.int(5);
      const itemK = rng.int(5);
      const res = kcore(logOf(pairs), nU, nI, { userK, itemK });
      const got = new Set(Array.from(res.rows, (r) => `${pairs[r]![0]},${pairs[r]![1]}`));
      expect(got).toEqual(naive(pairs, Math.max(userK, 1), Math.max(itemK, 1)));
    }
  });

  it('rejects bad k values', () => {
    expect(() => kcore(logOf([]), 1, 1, { userK: -1, itemK: 1 })).toThrow(InvalidArgumentError);
    expect(() => kcore(logOf([]), 1, 1, { userK: 1, itemK: 1.5 })).toThrow(InvalidArgumentError);
  });
});

describe('applyKcore', () => {
  it('re-indexes ids, log, catalog and modalities, preserving order', () => {
    const pairs: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 2],
    ];
    const item = (id: string): Item => ({
      id,
      text: {},
      categories: [],
      attributes: {},
      vectors: {},
      timestamp: 0,
    });
    const ds: Dataset = {
      name: 'hand',
      source: 'mem',
      users: IdMap.from(['ua', 'ub', 'uc', 'ud']),
      items: IdMap.from(['x', 'y', 'z']),
      log: logOf(pairs, true),
      catalog: [item('x'), item('y'), item('z')],
      modalities: [
        makeModality('m', 3, 2, Float32Array.from([1, 2, 3, 4, 5, 6]), 'mem', Uint8Array.from([1, 0, 1])),
      ],
    };
    const out = applyKcore(ds, { userK: 2, itemK: 2 });
    expect(out.name).toBe('hand');
    expect(out.users.ids()).toEqual(['ua', 'ub']);
    expect(out.items.ids()).toEqual(['x', 'y']);
    expect(Array.from(out.log.users)).toEqual([0, 0, 1, 1]);
    expect(Array.from(out.log.items)).toEqual([0, 1, 0, 1]);
    expect(Array.from(out.log.values)).toEqual([1, 2, 3, 4]);
    expect(Array.from(out.log.labels!)).toEqual([0, 1, 2, 0]);
    expect(out.catalog?.map((c) => c?.id)).toEqual(['x', 'y']);
    expect(Array.from(out.modalities[0]!.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(out.modalities[0]!.present)).toEqual([1, 0]);
    expect(ds.users.size).toBe(4);
    expect(ds.log.length).toBe(7);
  });
});
