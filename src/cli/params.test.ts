import { describe, expect, it } from 'vitest';
import { nonNegativeInt, positiveInt } from './int-flags.js';
import { parseParams, parseParamsList } from './params.js';

describe('parseParams', () => {
  it('reads a JSON object', () => {
    expect(parseParams('{"dim":64,"weights":"text=0.9,audio=0.1"}')).toEqual({
      dim: 64,
      weights: 'text=0.9,audio=0.1',
    });
  });

  it('reads k=v pairs with JSON values, without splitting inside brackets or quotes', () => {
    expect(parseParams('dim=64,lr=1e-3,refit=true,loss=bce')).toEqual({
      dim: 64,
      lr: 0.001,
      refit: true,
      loss: 'bce',
    });
    expect(parseParams('modalities=text,audio,dim=8')).toEqual({ modalities: 'text,audio', dim: 8 });
    expect(parseParams('weights="text=0.9,audio=0.1",dim=8')).toEqual({
      weights: 'text=0.9,audio=0.1',
      dim: 8,
    });
    expect(parseParams('ks=[10,20],o={"a":1,"b":2}')).toEqual({ ks: [10, 20], o: { a: 1, b: 2 } });
  });

  it('merges repeated arguments, later keys winning', () => {
    expect(parseParams(['dim=8', '{"lr":0.1}', 'dim=16'])).toEqual({ dim: 16, lr: 0.1 });
  });

  it('quotes what the user typed in errors', () => {
    expect(() => parseParams('{"dim":')).toThrow(
      `--params expects a JSON object or k=v pairs, got '{"dim":'`,
    );
    expect(() => parseParams('dim')).toThrow(`got 'dim'`);
    expect(() => parseParams('[1]', '--serve-params')).toThrow(
      `--serve-params expects a JSON object or k=v pairs`,
    );
  });

  it('experiment: one set for all models, or an array with one per model', () => {
    expect(parseParamsList('dim=8', 2)).toEqual([{ dim: 8 }]);
    expect(parseParamsList('[{"dim":8},{"dim":4}]', 2)).toEqual([{ dim: 8 }, { dim: 4 }]);
    expect(() => parseParamsList('[{"dim":8}]', 2)).toThrow(/an array of 2 objects/);
  });
});

describe('integer flags', () => {
  it('positiveInt refuses 0; nonNegativeInt takes it; both quote the input', () => {
    expect(positiveInt('workers', '2')).toBe(2);
    expect(() => positiveInt('workers', '0')).toThrow(
      '--workers expects a positive integer (1 or more), got "0"',
    );
    expect(() => positiveInt('epochs', '1.5')).toThrow('got "1.5"');
    expect(() => positiveInt('epochs', '')).toThrow('got ""');
    expect(nonNegativeInt('port', '0')).toBe(0);
    expect(() => nonNegativeInt('port', '-1')).toThrow('--port expects a non-negative integer, got "-1"');
    expect(positiveInt('x', undefined)).toBeUndefined();
  });
});
