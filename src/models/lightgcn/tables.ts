/**
 * @module models/lightgcn/tables
 * The layout of LightGCN's training state in one shared WebAssembly memory, so that the kernels
 * (kernels.wat) and every thread of the team address the same tables: the graph Â (CSR), the ego
 * embeddings E0 with Adam's moments, two n-row work tables, and the batch tables (slot map, row
 * list, gradients and final embeddings of the batch rows). Rows are padded to a multiple of 4
 * floats for SIMD; padding columns stay 0.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Csr } from '../../math/spmm.js';

export type TableName = 'indptr' | 'indices' | 'values' | 'e0' | 'm' | 'v' | 'a' | 'b' | BatchTable;
type BatchTable = 'slot' | 'list' | 'g' | 'r' | 'f';

export class Tables {
  readonly n: number;
  /** Row stride of every float table (dim rounded up to a multiple of 4). */
  readonly pd: number;
  readonly memory: WebAssembly.Memory;
  /** Byte offset of each table. */
  readonly at: Readonly<Record<TableName, number>>;
  /** E0, n x pd. */
  readonly e0: Float32Array;
  /** Work tables, n x pd. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** slot[node] = the node's row in the batch tables, or -1. */
  readonly slot: Int32Array;
  /** The batch's nodes by slot. */
  readonly list: Int32Array;
  /** dL/dF of the batch rows, by slot. */
  readonly g: Float32Array;
  /** Gradient added to dL/dE0 as is (the regulariser's), by slot. */
  readonly r: Float32Array;
  /** Final embeddings of the batch rows, by slot. */
  readonly f: Float32Array;

  /** Lays out and allocates the tables for graph (n nodes), `dim` and `capacity` batch rows. */
  constructor(graph: Csr, dim: number, capacity: number) {
    const n = graph.nRows;
    const nnz = graph.indices.length;
    const pd = Math.ceil(dim / 4) * 4;
    this.n = n;
    this.pd = pd;
    let top = 0;
    const take = (bytes: number): number => {
      const o = top;
      top += Math.ceil(bytes / 64) * 64;
      return o;
    };
    const table = 4 * n * pd;
    const batch = 4 * capacity * pd;
    const at = {
      indptr: take(4 * (n + 1)),
      indices: take(4 * nnz),
      values: take(4 * nnz),
      e0: take(table),
      m: take(table),
      v: take(table),
      a: take(table),
      b: take(table),
      slot: take(4 * n),
      list: take(4 * capacity),
      g: take(batch),
      r: take(batch),
      f: take(batch),
    };
    this.at = at;
    const pages = Math.ceil(top / 65536) + 1;
    if (pages > 65536) {
      throw new InvalidArgumentError(`LightGCN needs ${top} bytes of tables, more than WebAssembly's 4 GiB`);
    }
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const buf = this.memory.buffer;
    new Int32Array(buf, at.indptr, n + 1).set(graph.indptr);
    new Int32Array(buf, at.indices, nnz).set(graph.indices);
    new Float32Array(buf, at.values, nnz).set(graph.values);
    this.e0 = new Float32Array(buf, at.e0, n * pd);
    this.a = new Float32Array(buf, at.a, n * pd);
    this.b = new Float32Array(buf, at.b, n * pd);
    this.slot = new Int32Array(buf, at.slot, n).fill(-1);
    this.list = new Int32Array(buf, at.list, capacity);
    this.g = new Float32Array(buf, at.g, capacity * pd);
    this.r = new Float32Array(buf, at.r, capacity * pd);
    this.f = new Float32Array(buf, at.f, capacity * pd);
  }

  /** The float table at byte offset `at` (e0, a or b). */
  view(at: number): Float32Array {
    if (at === this.at.a) return this.a;
    if (at === this.at.b) return this.b;
    return this.e0;
  }
}
