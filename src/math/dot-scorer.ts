/**
 * @module math/dot-scorer
 * Scores users against every item, out[b][i] = <U[b], V[i]> (+ bias[i]), with a WebAssembly SIMD
 * kernel (src/math/wasm/dot.wat, four users per pass over the item table). This is the inner loop
 * of all-item evaluation and of serving factor models; a plain-JS path is kept for checking and
 * for runtimes without SIMD.
 */
import { WASM_BASE64 } from './wasm/dot-wasm.js';

/** The dot-product kernel's exports (see math/wasm/dot.wat). */
export interface DotExports {
  memory: WebAssembly.Memory;
  block4(
    u0: number,
    u1: number,
    u2: number,
    u3: number,
    v: number,
    n: number,
    d: number,
    o0: number,
    o1: number,
    o2: number,
    o3: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled dot-product kernel (math/wasm/dot.wat), or null without WebAssembly SIMD. */
export function dotModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    } catch {
      compiled = null; // no SIMD support: fall back to JS
    }
  }
  return compiled ?? null;
}

/** Scores batches of user vectors against a fixed item table. */
export class DotScorer {
  private readonly pd: number;
  private readonly ex: DotExports | undefined;
  private readonly vOff = 0;
  private readonly uOff: number;
  private readonly oOff: number;
  private readonly maxBatch: number;

  constructor(
    readonly dim: number,
    readonly nItems: number,
    private readonly itemFactors: Float32Array,
    private readonly itemBias?: Float32Array,
    options: { maxBatch?: number; wasm?: boolean } = {},
  ) {
    this.pd = Math.ceil(dim / 4) * 4;
    this.maxBatch = Math.max(4, Math.ceil((options.maxBatch ?? 128) / 4) * 4);
    this.uOff = nItems * this.pd * 4;
    this.oOff = this.uOff + (this.maxBatch + 4) * this.pd * 4;
    const bytes = this.oOff + (this.maxBatch + 4) * nItems * 4;
    const mod = options.wasm === false ? null : dotModule();
    if (mod) {
      const ex = new WebAssembly.Instance(mod).exports as unknown as DotExports;
      const pages = Math.ceil(bytes / 65536);
      ex.memory.grow(Math.max(0, pages - ex.memory.buffer.byteLength / 65536));
      const v = new Float32Array(ex.memory.buffer, this.vOff, nItems * this.pd);
      for (let i = 0; i < nItems; i++) v.set(itemFactors.subarray(i * dim, (i + 1) * dim), i * this.pd);
      this.ex = ex;
    }
  }

  /** Whether the SIMD kernel is in use. */
  get simd(): boolean {
    return this.ex !== undefined;
  }

  /** out[b * nItems + i] for users whose factor rows are `userFactors[users[b]]`. */
  scoreUsers(userFactors: Float32Array, users: Int32Array, out: Float32Array): void {
    for (let start = 0; start < users.length; start += this.maxBatch) {
      const part = users.subarray(start, Math.min(users.length, start + this.maxBatch));
      const o = out.subarray(start * this.nItems, (start + part.length) * this.nItems);
      if (this.ex) this.wasmBatch(userFactors, part, o);
      else this.jsBatch(userFactors, part, o);
      if (this.itemBias) {
        const bias = this.itemBias;
        for (let b = 0; b < part.length; b++) {
          const base = b * this.nItems;
          for (let i = 0; i < this.nItems; i++) o[base + i]! += bias[i]!;
        }
      }
    }
  }

  private wasmBatch(U: Float32Array, users: Int32Array, out: Float32Array): void {
    const ex = this.ex!;
    const { dim, pd, nItems } = this;
    const mem = ex.memory.buffer;
    const ublock = new Float32Array(mem, this.uOff, (this.maxBatch + 4) * pd);
    ublock.fill(0);
    for (let b = 0; b < users.length; b++) {
      const u = users[b]!;
      ublock.set(U.subarray(u * dim, (u + 1) * dim), b * pd);
    }
    const rowU = pd * 4;
    const rowO = nItems * 4;
    const n = users.length;
    for (let b = 0; b < n; b += 4) {
      // Rows past n point at zero padding rows and scratch outputs (read back only up to n).
      const u = (r: number) => this.uOff + (b + r) * rowU;
      const o = (r: number) => this.oOff + (b + r) * rowO;
      ex.block4(u(0), u(1), u(2), u(3), this.vOff, nItems, pd, o(0), o(1), o(2), o(3));
    }
    out.set(new Float32Array(mem, this.oOff, n * nItems));
  }

  private jsBatch(U: Float32Array, users: Int32Array, out: Float32Array): void {
    const { dim, nItems } = this;
    const V = this.itemFactors;
    for (let b = 0; b < users.length; b++) {
      const uo = users[b]! * dim;
      const base = b * nItems;
      for (let i = 0; i < nItems; i++) {
        const io = i * dim;
        let acc = 0;
        for (let d = 0; d < dim; d++) acc += U[uo + d]! * V[io + d]!;
        out[base + i] = acc;
      }
    }
  }
}
