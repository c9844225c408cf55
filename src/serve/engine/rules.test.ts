/**
 * @module serve/engine/rules.test
 * Business rules on hand-built lists: each expected order is worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { RuleRecord } from '../../store/types.js';
import { applyRules, type ItemFacts, inSegment, needsUser, pinnedItems, type RuleContext } from './rules.js';

const NOW = 1_000_000_000;
const facts: Record<string, ItemFacts> = {
  a: { categories: ['rock'], labels: [], attributes: { brand: 'x' }, timestamp: NOW - 100 * 86_400 },
  b: { categories: ['jazz'], labels: ['promo'], attributes: { brand: 'y' }, timestamp: NOW - 1 * 86_400 },
  c: { categories: ['rock'], labels: [], attributes: { brand: ['y', 'z'] }, timestamp: 0 },
  d: { categories: ['pop'], labels: [], attributes: {}, timestamp: NOW - 50 * 86_400 },
  p: { categories: ['pop'], labels: [], attributes: {}, timestamp: 0 },
};
const list = [
  { id: 'a', score: 4 },
  { id: 'b', score: 3 },
  { id: 'c', score: 2 },
  { id: 'd', score: 1 },
];
const ctx = (user?: RuleContext['user']): RuleContext => ({ user, item: (id) => facts[id], now: NOW });
let n = 0;
const rule = (r: Partial<RuleRecord> & Pick<RuleRecord, 'action'>): RuleRecord => ({
  id: `r${++n}`,
  name: `rule ${n}`,
  enabled: true,
  createdAt: '',
  updatedAt: '',
  ...r,
});
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('applyRules', () => {
  it('with no rules returns the list unchanged', () => {
    expect(applyRules(list, [], ctx())).toEqual(list.map((x) => ({ ...x, rules: [] })));
  });

  it('blocks by id and by category', () => {
    const out = applyRules(
      list,
      [
        rule({ action: { kind: 'block', match: { items: ['b'] } } }),
        rule({ action: { kind: 'block', match: { categories: ['pop'] } } }),
      ],
      ctx(),
    );
    expect(ids(out)).toEqual(['a', 'c']);
  });

  it('boosts by attribute (list attributes included) and re-sorts: c 2*3=6, b 3*3=9', () => {
    const r = rule({ action: { kind: 'boost', match: { attribute: 'brand', value: 'y' }, multiply: 3 } });
    const out = applyRules(list, [r], ctx());
    expect(out.map((x) => [x.id, x.score])).toEqual([
      ['b', 9],
      ['c', 6],
      ['a', 4],
      ['d', 1],
    ]);
    expect(out[0]!.rules).toEqual([{ id: r.id, name: r.name, kind: 'boost' }]);
    expect(out[2]!.rules).toEqual([]);
  });

  it('buries with a negative addend', () => {
    const out = applyRules(
      list,
      [rule({ action: { kind: 'boost', match: { categories: ['rock'] }, add: -10 } })],
      ctx(),
    );
    expect(ids(out)).toEqual(['b', 'd', 'a', 'c']); // b 3, d 1, a 4-10=-6, c 2-10=-8
  });

  it('freshness boosts only items that appeared within N days (b is 1 day old, d 50, a 100, c unknown)', () => {
    const out = applyRules(list, [rule({ action: { kind: 'freshness', days: 60, add: 10 } })], ctx());
    expect(out.map((x) => [x.id, x.score])).toEqual([
      ['b', 13],
      ['d', 11],
      ['a', 4],
      ['c', 2],
    ]);
  });

  it('pins a new item at a position and moves a listed one', () => {
    const out = applyRules(
      list,
      [
        rule({ action: { kind: 'pin', item: 'p', position: 2 } }),
        rule({ action: { kind: 'pin', item: 'd', position: 1 } }),
      ],
      ctx(),
    );
    expect(ids(out)).toEqual(['d', 'p', 'a', 'b', 'c']);
    expect(out[1]!.rules[0]!.kind).toBe('pin');
  });

  it('does not pin a blocked or unknown item', () => {
    const out = applyRules(
      list,
      [
        rule({ action: { kind: 'pin', item: 'p', position: 1 } }),
        rule({ action: { kind: 'pin', item: 'nope', position: 1 } }),
        rule({ action: { kind: 'block', match: { items: ['p'] } } }),
      ],
      ctx(),
    );
    expect(ids(out)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('applies segment rules only to users in the segment, and skips disabled rules', () => {
    const rules = [
      rule({ segment: { label: 'vip' }, action: { kind: 'block', match: { items: ['a'] } } }),
      rule({
        segment: { attribute: 'country', value: 'fr' },
        action: { kind: 'block', match: { items: ['b'] } },
      }),
      rule({ enabled: false, action: { kind: 'block', match: { items: ['c'] } } }),
    ];
    expect(ids(applyRules(list, rules, ctx()))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(applyRules(list, rules, ctx({ labels: ['vip'], attributes: {} })))).toEqual(['b', 'c', 'd']);
    expect(ids(applyRules(list, rules, ctx({ labels: ['vip'], attributes: { country: 'fr' } })))).toEqual([
      'c',
      'd',
    ]);
    expect(needsUser(rules)).toBe(true);
    expect(needsUser([rules[2]!])).toBe(false);
  });

  it('segments: empty is everyone, a label needs a user', () => {
    expect(inSegment(undefined, undefined)).toBe(true);
    expect(inSegment({}, undefined)).toBe(true);
    expect(inSegment({ label: 'x' }, undefined)).toBe(false);
    expect(pinnedItems([rule({ action: { kind: 'pin', item: 'q', position: 3 } })])).toEqual(['q']);
  });
});
