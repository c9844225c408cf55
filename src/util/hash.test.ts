import { describe, expect, it } from 'vitest';
import { murmur3 } from './hash.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 values (seed 0)', () => {
    expect(murmur3(utf8(''))).toBe(0);
    expect(murmur3(utf8('a'))).toBe(0x3c2569b2);
    expect(murmur3(utf8('abc'))).toBe(0xb3dd93fa);
    expect(murmur3(utf8('hello'))).toBe(0x248bfa47);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    expect(murmur3(utf8(''), 1)).toBe(0x514e28b7);
  });
});
