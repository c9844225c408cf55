/**
 * @module onnx/fixed-products
 * The two dense products of a linear layer over a fixed input matrix X (n rows x F features, e.g.
 * the items' content features), for training the layer's weights W (d x F):
 *
 *   project:  out = X[rows] · Wᵀ        (count x d)   the layer's output on some rows
 *   gradient: out = Gt · X[rows]         (d x F)       ∂loss/∂W from the output gradient,
 *                                                      given transposed (Gt = Gᵀ, d x count)
 *
 * `rows` lists the rows to use (their order is the order of out's / G's rows); without it, all n.
 *
 * Two backends. 'onnx' runs each product as a one-node ONNX graph (Gemm, after a Gather for a row
 * subset) in onnxruntime-node, whose MLAS kernels use the CPU's widest vector units (AVX-512 / AVX2
 * FMA): about 90 GFLOPS on one core here, against about 33 for our WebAssembly SIMD128 product
 * (nn/gemm, the 'wasm' backend). onnxruntime-node is an optional part at run time: 'auto' uses it
 * when it loads and falls back to 'wasm' otherwise. X is handed to onnxruntime once as an input
 * tensor over the caller's array (not copied into each graph). A run blocks the calling thread:
 * onnxruntime-node computes synchronously and returns a resolved promise.
 */
import { InvalidArgumentError } from '../errors.js';
import { gemm } from '../nn/gemm.js';
import { DataType, GraphBuilder } from './writer.js';

export type ProductsBackend = 'onnx' | 'wasm';

export interface FixedProductsOptions {
  /** 'auto' (default): onnx when onnxruntime-node loads, else wasm. */
  backend?: 'auto' | ProductsBackend;
  /** onnxruntime's intra-op threads (default 1). */
  threads?: number;
}

export interface FixedProducts {
  readonly backend: ProductsBackend;
  /** out[s·d + k] = <X[rows[s]], W[k]> for s < count (all rows without `rows`). */
  project(W: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void>;
  /**
   * out[k·F + c] = Σ_s Gt[k·count + s] · X[rows[s]][c] (all rows without `rows`): Gt is the output
   * gradient transposed (d x count), the layout in which MLAS runs this product fastest here.
   */
  gradient(Gt: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void>;
  /** Frees the backend's resources. */
  release(): Promise<void>;
}

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;
type Tensor = import('onnxruntime-node').Tensor;

let ortModule: Promise<Ort | null> | undefined;

/** onnxruntime-node, or null when it cannot be loaded here. */
export function loadOrt(): Promise<Ort | null> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    () => null,
  );
  return ortModule;
}

/** Creates the products over X (n x F row-major) for a layer of width d. */
export async function fixedProducts(
  X: Float32Array,
  n: number,
  F: number,
  d: number,
  options: FixedProductsOptions = {},
): Promise<FixedProducts> {
  if (X.length !== n * F) {
    throw new InvalidArgumentError(`fixedProducts: X has ${X.length} values, expected n·F = ${n}·${F}`);
  }
  const want = options.backend ?? 'auto';
  if (want !== 'wasm') {
    const ort = await loadOrt();
    if (ort) return OnnxProducts.create(ort, X, n, F, d, options.threads ?? 1);
    if (want === 'onnx') {
      throw new InvalidArgumentError(
        'fixedProducts: backend "onnx" needs the onnxruntime-node package, which could not be loaded',
      );
    }
  }
  return new WasmProducts(X, n, F, d);
}

function checkRows(rows: Int32Array | undefined, count: number | undefined, n: number): number {
  if (!rows) return n;
  const c = count ?? rows.length;
  if (c > rows.length)
    throw new InvalidArgumentError(`fixedProducts: count ${c} exceeds rows (${rows.length})`);
  return c;
}

/** onnxruntime-node sessions: four one-node graphs (all rows / gathered rows, each product). */
class OnnxProducts implements FixedProducts {
  readonly backend = 'onnx' as const;
  private readonly x: Tensor;

  private constructor(
    private readonly ort: Ort,
    X: Float32Array,
    private readonly n: number,
    private readonly F: number,
    private readonly d: number,
    private readonly s: { project: Session; gradient: Session; projectRows: Session; gradientRows: Session },
  ) {
    // onnxruntime-node reads typed arrays over ordinary ArrayBuffers only.
    const own = X.buffer instanceof ArrayBuffer ? X : X.slice();
    this.x = new ort.Tensor('float32', own, [n, F]);
  }

  static async create(ort: Ort, X: Float32Array, n: number, F: number, d: number, threads: number) {
    const options: import('onnxruntime-node').InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // No spinning threads competing with the JavaScript thread between products.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    const graph = async (rows: boolean, product: 'project' | 'gradient'): Promise<Session> => {
      const g = new GraphBuilder(`${product}${rows ? '_rows' : ''}`);
      g.input('X', DataType.FLOAT, ['n', F]);
      let x = 'X';
      if (rows) {
        g.input('rows', DataType.INT64, ['count']);
        x = g.node('Gather', ['X', 'rows'], { axis: 0 });
      }
      if (product === 'project') {
        g.input('W', DataType.FLOAT, [d, F]);
        g.node('Gemm', [x, 'W'], { transB: 1 }, ['out']);
        g.output('out', DataType.FLOAT, ['count', d]);
      } else {
        g.input('G', DataType.FLOAT, [d, 'count']);
        g.node('MatMul', ['G', x], {}, ['out']);
        g.output('out', DataType.FLOAT, [d, F]);
      }
      return ort.InferenceSession.create(g.toModel({ opset: 14 }), options);
    };
    const [project, gradient, projectRows, gradientRows] = await Promise.all([
      graph(false, 'project'),
      graph(false, 'gradient'),
      graph(true, 'project'),
      graph(true, 'gradient'),
    ]);
    return new OnnxProducts(ort, X, n, F, d, { project, gradient, projectRows, gradientRows });
  }

  private feeds(rows: Int32Array | undefined, count: number): Record<string, Tensor> {
    if (!rows) return { X: this.x };
    const idx = new BigInt64Array(count);
    for (let s = 0; s < count; s++) idx[s] = BigInt(rows[s]!);
    return { X: this.x, rows: new this.ort.Tensor('int64', idx, [count]) };
  }

  private tensor(a: Float32Array, length: number, dims: number[]): Tensor {
    const own = a.buffer instanceof ArrayBuffer ? a.subarray(0, length) : a.slice(0, length);
    return new this.ort.Tensor('float32', own, dims);
  }

  async project(W: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void> {
    const c = checkRows(rows, count, this.n);
    const { d, F } = this;
    const session = rows ? this.s.projectRows : this.s.project;
    const r = await session.run({ ...this.feeds(rows, c), W: this.tensor(W, d * F, [d, F]) });
    out.set((r.out!.data as Float32Array).subarray(0, c * d));
  }

  async gradient(Gt: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void> {
    const c = checkRows(rows, count, this.n);
    const { d, F } = this;
    const session = rows ? this.s.gradientRows : this.s.gradient;
    const r = await session.run({ ...this.feeds(rows, c), G: this.tensor(Gt, c * d, [d, c]) });
    out.set((r.out!.data as Float32Array).subarray(0, d * F));
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.s).map((s) => s.release()));
  }
}

/** The WebAssembly SIMD products of nn/gemm over gathered rows. */
class WasmProducts implements FixedProducts {
  readonly backend = 'wasm' as const;
  private gathered = new Float32Array(0);

  constructor(
    private readonly X: Float32Array,
    private readonly n: number,
    private readonly F: number,
    private readonly d: number,
  ) {}

  private rowsOf(rows: Int32Array | undefined, count: number): Float32Array {
    const { X, F } = this;
    if (!rows) return X;
    if (this.gathered.length < count * F) this.gathered = new Float32Array(count * F);
    for (let s = 0; s < count; s++) this.gathered.set(X.subarray(rows[s]! * F, (rows[s]! + 1) * F), s * F);
    return this.gathered;
  }

  async project(W: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void> {
    const c = checkRows(rows, count, this.n);
    gemm(this.rowsOf(rows, c), W, out, c, this.F, this.d, { transB: true });
  }

  async gradient(Gt: Float32Array, out: Float32Array, rows?: Int32Array, count?: number): Promise<void> {
    const c = checkRows(rows, count, this.n);
    gemm(Gt, this.rowsOf(rows, c), out, this.d, c, this.F);
  }

  async release(): Promise<void> {}
}
