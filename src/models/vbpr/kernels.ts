/**
 * @module models/vbpr/kernels
 * Loads VBPR's WebAssembly SIMD row kernels (kernels.wat) on an arena's memory: assembling the
 * batch's item vectors, squared row norms and scaled row sums for EmbLoss, and splitting the item
 * gradient into its ID and content halves. They run on the calling thread.
 */
import { VBPR_KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The kernels' exports; every pointer is a byte offset into the memory (see kernels.wat). */
export interface VbprKernels {
  assemble(n: number, itemOf: number, V: number, C: number, B: number, X: number, dp: number): void;
  rowSq(n: number, idx: number, T: number, w: number, out: number): void;
  scaleRows(n: number, idx: number, T: number, G: number, coef: number, w: number): void;
  split(n: number, itemOf: number, gX: number, gV: number, gCt: number, gB: number, dp: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The kernels instantiated on `memory` (the module is compiled once). */
export function vbprKernels(memory: WebAssembly.Memory): VbprKernels {
  compiled ??= new WebAssembly.Module(Buffer.from(VBPR_KERNELS_WASM_BASE64, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as VbprKernels;
}
