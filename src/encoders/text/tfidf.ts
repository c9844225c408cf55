/**
 * @module encoders/text/tfidf
 * Hashed TF-IDF: document frequencies per bucket fitted on a corpus, smooth IDF
 * (idf = ln((1 + N) / (1 + df)) + 1, as scikit-learn), sublinear term frequency (1 + ln tf), and
 * per-document weighting. The word block and the character block are each L2-normalised and
 * mixed with equal weight, so the many character n-grams do not drown the word n-grams.
 * The fitted vocabulary is the set of buckets seen in at least `minDf` documents and at most
 * `maxDf` of them; buckets outside it get weight 0.
 */
import { createHash } from 'node:crypto';
import type { FeatureCounts, TextFeatures } from './hashing.js';

/** A fitted IDF: the vocabulary buckets (ascending) and their IDF. */
export interface IdfModel {
  /** log2 of the number of hash buckets. */
  bits: number;
  /** Number of documents fitted on. */
  nDocs: number;
  /** Vocabulary bucket ids, ascending. */
  vocab: Int32Array;
  /** IDF of each vocabulary bucket. */
  idf: Float32Array;
  /** Document frequency of each vocabulary bucket. */
  df: Int32Array;
}

/** Options of {@link fitIdf}. */
export interface IdfOptions {
  /** Minimum document count of a bucket (default 1). */
  minDf?: number;
  /** Maximum share of documents holding a bucket (default 1: keep all). */
  maxDf?: number;
}

/** A sparse vector over hash buckets (unsorted, unique buckets). */
export interface SparseVector {
  buckets: Int32Array;
  values: Float32Array;
}

/** Share of the squared norm given to word n-grams; the rest goes to character n-grams. */
const WORD_SHARE = 0.5;

/** Fits document frequencies and IDF over the buckets of `docs`. */
export function fitIdf(docs: readonly TextFeatures[], bits: number, options: IdfOptions = {}): IdfModel {
  const minDf = options.minDf ?? 1;
  const maxDf = options.maxDf ?? 1;
  const size = 1 << bits;
  const df = new Int32Array(size);
  const seen = new Uint32Array(size);
  docs.forEach((doc, d) => {
    const stamp = d + 1;
    for (const { keys } of [doc.word, doc.char]) {
      for (let k = 0; k < keys.length; k++) {
        const b = keys[k]! >> 1;
        if (seen[b] !== stamp) {
          seen[b] = stamp;
          df[b]!++;
        }
      }
    }
  });
  const n = docs.length;
  const maxCount = Math.floor(maxDf * n);
  const vocab: number[] = [];
  for (let b = 0; b < size; b++) if (df[b]! >= Math.max(1, minDf) && df[b]! <= maxCount) vocab.push(b);
  const v = Int32Array.from(vocab);
  const idf = new Float32Array(v.length);
  const dfs = new Int32Array(v.length);
  v.forEach((b, k) => {
    dfs[k] = df[b]!;
    idf[k] = Math.log((1 + n) / (1 + df[b]!)) + 1;
  });
  return { bits, nDocs: n, vocab: v, idf, df: dfs };
}

/** The IDF of every bucket as a dense table (0 outside the vocabulary). */
export function denseIdf(model: IdfModel): Float32Array {
  const table = new Float32Array(1 << model.bits);
  model.vocab.forEach((b, k) => {
    table[b] = model.idf[k]!;
  });
  return table;
}

/** 16 hex characters of sha256 over the fitted vocabulary and IDF. */
export function idfDigest(model: IdfModel): string {
  const h = createHash('sha256');
  h.update(`bits=${model.bits};n=${model.nDocs};`);
  h.update(new Uint8Array(model.vocab.buffer, model.vocab.byteOffset, model.vocab.byteLength));
  h.update(new Uint8Array(model.idf.buffer, model.idf.byteOffset, model.idf.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** Scratch of one bucket-table size: accumulated values, marks and the buckets touched. */
interface Scratch {
  acc: Float64Array;
  mark: Uint8Array;
  touched: Int32Array;
  n: number;
}

const scratches = new Map<number, Scratch>();

function scratchFor(bits: number): Scratch {
  let s = scratches.get(bits);
  if (!s) {
    s = {
      acc: new Float64Array(1 << bits),
      mark: new Uint8Array(1 << bits),
      touched: new Int32Array(1 << bits),
      n: 0,
    };
    scratches.set(bits, s);
  }
  return s;
}

function put(s: Scratch, b: number, v: number): void {
  if (s.mark[b] === 0) {
    s.mark[b] = 1;
    s.touched[s.n++] = b;
  }
  s.acc[b]! += v;
}

/** Takes the touched buckets out of `s` (clearing it), scaled to squared norm `share` when asked. */
function drain(s: Scratch, share?: number): SparseVector {
  let scale = 1;
  if (share !== undefined) {
    let norm = 0;
    for (let t = 0; t < s.n; t++) norm += s.acc[s.touched[t]!]! ** 2;
    scale = norm > 0 ? Math.sqrt(share / norm) : 0;
  }
  const buckets = s.touched.slice(0, s.n);
  const values = new Float32Array(s.n);
  for (let t = 0; t < s.n; t++) {
    const b = buckets[t]!;
    values[t] = s.acc[b]! * scale;
    s.acc[b] = 0;
    s.mark[b] = 0;
  }
  s.n = 0;
  return { buckets, values };
}

/** Sublinear tf x IDF of one block into `s`; false when no feature is in the vocabulary. */
function addBlock(block: FeatureCounts, idf: Float32Array, s: Scratch): boolean {
  let any = false;
  for (let k = 0; k < block.keys.length; k++) {
    const key = block.keys[k]!;
    const w = idf[key >> 1]!;
    if (w === 0) continue;
    put(s, key >> 1, (key & 1 ? -1 : 1) * (1 + Math.log(block.counts[k]!)) * w);
    any = true;
  }
  return any;
}

/**
 * The TF-IDF vector of one document: sublinear tf times IDF per block, each block L2-normalised
 * and mixed. Empty when no feature is in the vocabulary.
 */
export function weighDocument(doc: TextFeatures, idf: Float32Array, bits: number): SparseVector {
  const s = scratchFor(bits);
  const hasWord = addBlock(doc.word, idf, s);
  const word = drain(s, 1);
  const hasChar = addBlock(doc.char, idf, s);
  const char = drain(s, hasWord && hasChar ? 1 - WORD_SHARE : 1);
  const wordShare = Math.sqrt(hasChar ? WORD_SHARE : 1);
  for (let t = 0; t < char.buckets.length; t++) put(s, char.buckets[t]!, char.values[t]!);
  for (let t = 0; t < word.buckets.length; t++) put(s, word.buckets[t]!, word.values[t]! * wordShare);
  return drain(s);
}
