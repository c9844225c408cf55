/**
 * @module encoders/text/builtin
 * The built-in text encoder: no model weights, pure TypeScript. Hashed TF-IDF over word 1..2-grams
 * and character 3..5-grams (2^18 signed buckets), IDF and vocabulary fitted on the catalog in
 * fit(), sublinear tf, then reduced to `dim` by a seeded sparse random projection (Achlioptas) or,
 * with method "svd", by a seeded randomised truncated SVD fitted on the catalog (LSA); rows are
 * L2-normalised. The id carries a digest of the fitted IDF (and of the SVD components), so cached
 * vectors of another catalog's fit are never reused.
 *
 * The fitted state is plain typed arrays ({@link BuiltinTextState}); `exportState()` hands it to
 * worker threads, which rebuild the same encoder with `createBuiltinTextEncoder({ ..., state })`
 * (the projection itself is regenerated from the seed, so it is never shipped).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError, NotFittedError } from '../../errors.js';
import {
  type EncodeResult,
  type Encoder,
  type EncoderInput,
  emptyResult,
  l2NormalizeRows,
} from '../encoder.js';
import { DEFAULT_NGRAMS, extractFeatures, type NgramRanges, type TextFeatures } from './hashing.js';
import { SparseRandomProjection } from './projection.js';
import { type Csr, randomizedSvd } from './svd.js';
import { denseIdf, fitIdf, type IdfModel, idfDigest, weighDocument } from './tfidf.js';

/** Options of {@link createBuiltinTextEncoder}. */
export interface BuiltinTextOptions {
  /** Output dimensions (default 256). */
  dim?: number;
  /** Seed of the projection or of the SVD sketch (default 42). */
  seed?: number;
  /** Reduction: "projection" (default) or "svd". */
  method?: 'projection' | 'svd';
  /** N-gram ranges (default word 1-2, char 3-5). */
  ngrams?: Partial<NgramRanges>;
  /** log2 of the hash buckets (default 18). */
  bits?: number;
  /** Minimum document count of a vocabulary bucket (default 1; the SVD also needs 2). */
  minDf?: number;
  /** Maximum document share of a vocabulary bucket (default 1). */
  maxDf?: number;
  /** SVD: the most frequent buckets it keeps as columns (default 10000). */
  svdFeatures?: number;
  /** SVD: power iterations (default 1). */
  svdPowerIterations?: number;
  /** A fitted state from another instance's exportState() (skips fit). */
  state?: BuiltinTextState;
}

/** Everything fit() learns, as typed arrays (cheap to share with worker threads). */
export interface BuiltinTextState {
  idf: IdfModel;
  /** SVD only: column buckets (ascending) and loadings (columns x dim, row-major). */
  svd?: { features: Int32Array; loadings: Float32Array; digest: string };
}

/** The built-in text encoder (an Encoder with exportState()). */
export interface BuiltinTextEncoder extends Encoder {
  /** Fits the IDF, vocabulary (and SVD) on the catalog's texts. */
  fit(inputs: readonly EncoderInput[]): Promise<void>;
  /** The fitted state (throws NotFittedError before fit). */
  exportState(): BuiltinTextState;
  /**
   * How many words of `text` the fit saw as whole words (word 1-grams in the vocabulary); undefined
   * when word 1-grams are not features. Character n-grams alone do not count: nearly any string
   * shares some 3-grams with a catalog, so they say nothing about whether a query can match.
   */
  knownWords(text: string): number | undefined;
}

const OPTION_KEYS = [
  'dim',
  'seed',
  'method',
  'ngrams',
  'bits',
  'minDf',
  'maxDf',
  'svdFeatures',
  'svdPowerIterations',
  'state',
];

function intIn(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(
      `builtin text encoder: "${name}" must be an integer in ${lo}..${hi}, got ${v}`,
    );
  }
  return v;
}

function checkRange(name: string, r: readonly [number, number] | undefined, dflt: readonly [number, number]) {
  const range = r ?? dflt;
  if (!Array.isArray(range) || range.length !== 2 || !(range[0] <= range[1]) || range[0] < 1) {
    throw new InvalidArgumentError(
      `builtin text encoder: ngrams.${name} must be [min, max] with 1 <= min <= max, got ${JSON.stringify(r)}`,
    );
  }
  return [intIn(`ngrams.${name}`, range[0], 1, 16), intIn(`ngrams.${name}`, range[1], 1, 16)] as const;
}

/** The SVD columns (the `count` buckets of highest df, df >= 2) and the fitted loadings. */
function fitSvd(docs: TextFeatures[], idf: IdfModel, dim: number, seed: number, opts: BuiltinTextOptions) {
  const count = intIn('svdFeatures', opts.svdFeatures ?? 10000, 1, 1 << 22);
  const order = Array.from(idf.vocab.keys())
    .filter((k) => idf.df[k]! >= 2 || idf.nDocs < 3)
    .sort((a, b) => idf.df[b]! - idf.df[a]! || a - b)
    .slice(0, count)
    .map((k) => idf.vocab[k]!)
    .sort((a, b) => a - b);
  const features = Int32Array.from(order);
  const colOf = columnIndex(features, idf.bits);
  const table = denseIdf(idf);
  const indptr = new Int32Array(docs.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  docs.forEach((doc, r) => {
    const v = weighDocument(doc, table, idf.bits);
    for (let p = 0; p < v.buckets.length; p++) {
      const c = colOf[v.buckets[p]!]!;
      if (c >= 0) {
        idx.push(c);
        val.push(v.values[p]!);
      }
    }
    indptr[r + 1] = idx.length;
  });
  const a: Csr = {
    nRows: docs.length,
    nCols: features.length,
    indptr,
    indices: Int32Array.from(idx),
    values: Float32Array.from(val),
  };
  const iterations = opts.svdPowerIterations ?? 1;
  const { components } = randomizedSvd(a, dim, { seed, powerIterations: iterations });
  const loadings = new Float32Array(features.length * dim);
  for (let c = 0; c < dim; c++) {
    for (let f = 0; f < features.length; f++) loadings[f * dim + c] = components[c * features.length + f]!;
  }
  const h = createHash('sha256');
  h.update(new Uint8Array(loadings.buffer));
  return { features, loadings, digest: h.digest('hex').slice(0, 16) };
}

function columnIndex(features: Int32Array, bits: number): Int32Array {
  const colOf = new Int32Array(1 << bits).fill(-1);
  features.forEach((b, c) => {
    colOf[b] = c;
  });
  return colOf;
}

/**
 * Creates the built-in text encoder. Call fit() with the catalog's texts before encode() (or pass
 * a `state`). Empty text fails with "no text"; text with no fitted n-gram fails with "no known terms".
 */
export function createBuiltinTextEncoder(options: BuiltinTextOptions = {}): BuiltinTextEncoder {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new InvalidArgumentError(
        `builtin text encoder: unknown option "${key}". Should be one of: ${OPTION_KEYS.join(', ')}`,
      );
    }
  }
  const dim = intIn('dim', options.dim ?? 256, 1, 32767);
  const seed = intIn('seed', options.seed ?? 42, -(2 ** 31), 2 ** 32 - 1);
  const method = options.method ?? 'projection';
  if (method !== 'projection' && method !== 'svd') {
    throw new InvalidArgumentError(
      `builtin text encoder: "method" must be "projection" or "svd", got "${method}"`,
    );
  }
  const bits = intIn('bits', options.bits ?? 18, 4, 24);
  const ngrams: NgramRanges = {
    word: checkRange('word', options.ngrams?.word, DEFAULT_NGRAMS.word),
    char: checkRange('char', options.ngrams?.char, DEFAULT_NGRAMS.char),
  };
  const base =
    `builtin-text:v1:dim=${dim}:seed=${seed}:method=${method}:bits=${bits}` +
    `:w${ngrams.word.join('-')}:c${ngrams.char.join('-')}:df=${options.minDf ?? 1}-${options.maxDf ?? 1}`;
  let state: BuiltinTextState | undefined;
  let idfTable: Float32Array | undefined;
  let colOf: Int32Array | undefined;
  let projection: SparseRandomProjection | undefined;
  let id = `${base}:unfitted`;

  const install = (s: BuiltinTextState): void => {
    if (s.idf.bits !== bits)
      throw new InvalidArgumentError(`builtin text encoder: state has bits=${s.idf.bits}, not ${bits}`);
    if (method === 'svd' && !s.svd) throw new InvalidArgumentError('builtin text encoder: state has no SVD');
    state = s;
    idfTable = denseIdf(s.idf);
    colOf = s.svd ? columnIndex(s.svd.features, bits) : undefined;
    projection = method === 'projection' ? new SparseRandomProjection(bits, dim, seed) : undefined;
    id = `${base}:idf=${idfDigest(s.idf)}${method === 'svd' ? `:svd=${s.svd!.digest}` : ''}`;
  };
  if (options.state) install(options.state);

  const embed = (text: string, out: Float32Array, offset: number): boolean => {
    const v = weighDocument(extractFeatures(text, bits, ngrams), idfTable!, bits);
    if (v.buckets.length === 0) return false;
    if (projection) projection.project(v, out, offset);
    else {
      const { loadings } = state!.svd!;
      for (let p = 0; p < v.buckets.length; p++) {
        const c = colOf![v.buckets[p]!]!;
        if (c < 0) continue;
        const x = v.values[p]!;
        for (let d = 0; d < dim; d++) out[offset + d]! += x * loadings[c * dim + d]!;
      }
    }
    for (let d = 0; d < dim; d++) if (out[offset + d] !== 0) return true;
    return false;
  };

  return {
    kind: 'text',
    dims: dim,
    get id() {
      return id;
    },
    async fit(inputs: readonly EncoderInput[]): Promise<void> {
      const docs = inputs
        .filter((x) => (x.text ?? '').trim() !== '')
        .map((x) => extractFeatures(x.text!, bits, ngrams));
      const idf = fitIdf(docs, bits, {
        ...(options.minDf !== undefined ? { minDf: options.minDf } : {}),
        ...(options.maxDf !== undefined ? { maxDf: options.maxDf } : {}),
      });
      install({ idf, ...(method === 'svd' ? { svd: fitSvd(docs, idf, dim, seed, options) } : {}) });
    },
    async encode(batch: readonly EncoderInput[]): Promise<EncodeResult> {
      if (!state) throw new NotFittedError('builtin-text');
      const result = emptyResult(batch.length, dim);
      batch.forEach((input, b) => {
        const text = input.text ?? '';
        if (text.trim() === '') result.errors[b] = 'no text';
        else if (!embed(text, result.vectors, b * dim)) {
          result.vectors.fill(0, b * dim, (b + 1) * dim);
          result.errors[b] = 'no known terms (no n-gram of this text was seen in fit)';
        } else result.ok[b] = 1;
      });
      l2NormalizeRows(result.vectors, dim);
      return result;
    },
    exportState(): BuiltinTextState {
      if (!state) throw new NotFittedError('builtin-text');
      return state;
    },
    knownWords(text: string): number | undefined {
      if (!state) throw new NotFittedError('builtin-text');
      if (ngrams.word[0] !== 1) return undefined;
      const { word } = extractFeatures(text, bits, { word: [1, 1], char: [0, 0] });
      let known = 0;
      for (const key of word.keys) if (idfTable![key >>> 1] !== 0) known++;
      return known;
    },
    async dispose(): Promise<void> {},
  };
}
