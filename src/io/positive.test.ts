import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { isPositive, parsePositiveRule, parsePositiveRules } from './positive.js';

describe('positive feedback rules', () => {
  it('parses types, comparisons and the wildcard', () => {
    expect(parsePositiveRule('click')).toEqual({ type: 'click', source: 'click' });
    expect(parsePositiveRule('rating>=4')).toMatchObject({ type: 'rating', op: '>=', threshold: 4 });
    expect(parsePositiveRule(' rating > 3.5 ')).toMatchObject({ type: 'rating', op: '>', threshold: 3.5 });
    expect(parsePositiveRule('play==10')).toMatchObject({ type: 'play', op: '=', threshold: 10 });
    expect(parsePositiveRule('*')).toMatchObject({ type: '*' });
  });

  it('matches any rule', () => {
    const rules = parsePositiveRules(['click', 'purchase', 'rating>=4', 'play>10']);
    expect(isPositive(rules, 'click', 0)).toBe(true);
    expect(isPositive(rules, 'purchase', 1)).toBe(true);
    expect(isPositive(rules, 'view', 1)).toBe(false);
    expect(isPositive(rules, 'rating', 4)).toBe(true);
    expect(isPositive(rules, 'rating', 3.5)).toBe(false);
    expect(isPositive(rules, 'play', 10)).toBe(false);
    expect(isPositive(rules, 'play', 11)).toBe(true);
    expect(isPositive(parsePositiveRules(['rating>3.5']), 'rating', 3.5)).toBe(false);
    expect(isPositive(parsePositiveRules(['*']), 'anything', -1)).toBe(true);
    expect(isPositive(parsePositiveRules(['*>=2']), 'x', 1)).toBe(false);
    expect(isPositive(parsePositiveRules(['rating<2']), 'rating', 1)).toBe(true);
  });

  it('treats an empty rule list as "every event is positive"', () => {
    expect(isPositive([], 'view', 0)).toBe(true);
  });

  it('rejects bad rules listing the accepted forms', () => {
    for (const bad of ['', 'rating>=', 'rating=>4', 'rating>=four', 'a b', 'rating>=4x']) {
      expect(() => parsePositiveRule(bad)).toThrow(InvalidArgumentError);
      expect(() => parsePositiveRule(bad)).toThrow(/accepted forms.*"TYPE>=N"/);
    }
  });
});
