/**
 * @module models/freedom/kernels
 * Loads FREEDOM's WebAssembly SIMD kernels (kernels.wat) on a shared memory: pairwise score
 * differences and their gradients (the BPR terms), and the three dense products of the modality
 * projections. They run on the calling thread.
 */
import { FREEDOM_KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The kernels' exports; every pointer is a byte offset into the memory (see kernels.wat). */
export interface FreedomKernels {
  pairDots(
    n: number,
    ua: number,
    ia: number,
    ja: number,
    U: number,
    V: number,
    out: number,
    pd: number,
  ): void;
  pairGrads(
    n: number,
    ua: number,
    ia: number,
    ja: number,
    U: number,
    V: number,
    coef: number,
    gU: number,
    gV: number,
    pd: number,
  ): void;
  gemmRows(
    count: number,
    rows: number,
    X: number,
    xs: number,
    din: number,
    W: number,
    T: number,
    pd: number,
  ): void;
  gemmTN(
    count: number,
    rows: number,
    X: number,
    xs: number,
    din: number,
    dT: number,
    dW: number,
    pd: number,
  ): void;
  gemmNT(
    count: number,
    rows: number,
    dT: number,
    W: number,
    din: number,
    dX: number,
    xs: number,
    pd: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/** The kernels instantiated on `memory` (the module is compiled once per thread). */
export function freedomKernels(memory: WebAssembly.Memory): FreedomKernels {
  compiled ??= new WebAssembly.Module(Buffer.from(FREEDOM_KERNELS_WASM_BASE64, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as FreedomKernels;
}
