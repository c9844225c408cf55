/**
 * @module encoders/text/hashing
 * Tokenisation and feature hashing for the built-in text encoder. A text becomes two bags of
 * hashed n-gram features: word 1..2-grams and character 3..5-grams taken inside each word padded
 * with spaces (scikit-learn's `char_wb` analyser). Each feature is a 32-bit hash: its low bits
 * pick the bucket, its top bit the sign (Weinberger et al. 2009). Hashing runs over the string's
 * UTF-16 code units without building substrings.
 */
import { fmix32 } from '../../util/hash.js';

/** Which n-grams are extracted. */
export interface NgramRanges {
  /** Word n-gram sizes [min, max] (default [1, 2]). */
  word: readonly [number, number];
  /** Character n-gram sizes [min, max] inside padded words (default [3, 5]). */
  char: readonly [number, number];
}

/** The default n-gram ranges: word 1-2, char 3-5. */
export const DEFAULT_NGRAMS: NgramRanges = Object.freeze({ word: [1, 2] as const, char: [3, 5] as const });

/**
 * The hashed features of one block of one text: `keys[k] = bucket << 1 | signBit` (unique) and
 * how often it occurred. Two features that share bucket and sign in one text are counted together.
 */
export interface FeatureCounts {
  keys: Int32Array;
  counts: Uint16Array;
}

/** The hashed word and character features of one text. */
export interface TextFeatures {
  word: FeatureCounts;
  char: FeatureCounts;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Distinct seeds keep word and character features apart in the shared bucket space. */
const WORD_SEED = 0x5bd1e995;
const CHAR_SEED = 0x27d4eb2f;

function feed(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Lower-cased, NFKC-normalised word tokens (runs of letters and digits). */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Reusable counting scratch for one bucket-table size. */
class Counter {
  readonly counts: Uint16Array;
  touched = new Int32Array(1024);
  n = 0;
  constructor(readonly bits: number) {
    this.counts = new Uint16Array(1 << (bits + 1));
  }
  add(h: number): void {
    const key = ((h & ((1 << this.bits) - 1)) << 1) | (h >>> 31);
    if (this.counts[key]!++ === 0) {
      if (this.n === this.touched.length) {
        const grown = new Int32Array(this.n * 2);
        grown.set(this.touched);
        this.touched = grown;
      }
      this.touched[this.n++] = key;
    } else if (this.counts[key] === 0xffff) this.counts[key] = 0xfffe;
  }
  take(): FeatureCounts {
    const keys = this.touched.slice(0, this.n);
    const counts = new Uint16Array(this.n);
    for (let k = 0; k < this.n; k++) {
      counts[k] = this.counts[keys[k]!]!;
      this.counts[keys[k]!] = 0;
    }
    this.n = 0;
    return { keys, counts };
  }
}

const counters = new Map<number, Counter>();

function counterFor(bits: number): Counter {
  let c = counters.get(bits);
  if (!c) {
    c = new Counter(bits);
    counters.set(bits, c);
  }
  return c;
}

/** Word n-grams of sizes ngrams.word, each hashed with the words joined by one space. */
function wordFeatures(tokens: readonly string[], [lo, hi]: readonly [number, number], out: Counter) {
  for (let start = 0; start < tokens.length; start++) {
    let h = (FNV_OFFSET ^ WORD_SEED) >>> 0;
    for (let n = 1; n <= hi && start + n <= tokens.length; n++) {
      if (n > 1) h = Math.imul(h ^ 0x20, FNV_PRIME);
      const tok = tokens[start + n - 1]!;
      h = feed(h, tok, 0, tok.length);
      if (n >= lo) out.add(fmix32(h));
    }
  }
}

/** Character n-grams of sizes ngrams.char inside " word " (a padded word shorter than min counts once). */
function charFeatures(tokens: readonly string[], [lo, hi]: readonly [number, number], out: Counter) {
  for (const tok of tokens) {
    const padded = ` ${tok} `;
    const len = padded.length;
    if (len < lo) {
      out.add(fmix32(feed((FNV_OFFSET ^ CHAR_SEED) >>> 0, padded, 0, len)));
      continue;
    }
    for (let start = 0; start + lo <= len; start++) {
      let h = feed((FNV_OFFSET ^ CHAR_SEED) >>> 0, padded, start, start + lo - 1);
      for (let n = lo; n <= hi && start + n <= len; n++) {
        h = Math.imul(h ^ padded.charCodeAt(start + n - 1), FNV_PRIME);
        out.add(fmix32(h));
      }
    }
  }
}

/** Hashed feature counts of `text` in 2^bits buckets (empty for a text without letters or digits). */
export function extractFeatures(
  text: string,
  bits: number,
  ngrams: NgramRanges = DEFAULT_NGRAMS,
): TextFeatures {
  const tokens = tokenize(text);
  const counter = counterFor(bits);
  if (ngrams.word[1] >= ngrams.word[0] && ngrams.word[1] > 0) wordFeatures(tokens, ngrams.word, counter);
  const word = counter.take();
  if (ngrams.char[1] >= ngrams.char[0] && ngrams.char[1] > 0) charFeatures(tokens, ngrams.char, counter);
  const char = counter.take();
  return { word, char };
}
