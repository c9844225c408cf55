/**
 * @module nn/gemm
 * Dense matrix products for the neural layers: C (+)= op(A) · op(B) on row-major Float32Arrays,
 * with op = identity or transpose. Large products run in a WebAssembly SIMD kernel
 * (src/math/wasm/gemm.wat: two rows x sixteen columns per register block); small ones, and
 * runtimes without SIMD, in plain JS. Operands are copied into the module's memory (transposed
 * and column-padded there), which costs O(size) against the product's O(n·k·m).
 */
import { WASM_BASE64 } from '../math/wasm/gemm-wasm.js';

interface GemmExports {
  memory: WebAssembly.Memory;
  gemm(a: number, b: number, c: number, n: number, k: number, m: number, acc: number): void;
}

export interface GemmOptions {
  /** A is stored k x n and used transposed. */
  transA?: boolean;
  /** B is stored m x k and used transposed. */
  transB?: boolean;
  /** Add into C instead of overwriting it. */
  accumulate?: boolean;
  /** Force the JS path (tests compare both). */
  js?: boolean;
}

let instance: GemmExports | null | undefined;

function wasm(): GemmExports | null {
  if (instance === undefined) {
    try {
      const mod = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
      instance = new WebAssembly.Instance(mod, {}).exports as unknown as GemmExports;
    } catch {
      instance = null;
    }
  }
  return instance;
}

/** Below this many multiply-adds the JS loop is as fast as copying into WebAssembly. */
const WASM_MIN_WORK = 16_384;

/** C[n x m] (+)= op(A)[n x k] · op(B)[k x m]. */
export function gemm(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  n: number,
  k: number,
  m: number,
  options: GemmOptions = {},
): void {
  const ex = options.js || n * k * m < WASM_MIN_WORK ? null : wasm();
  if (!ex) {
    gemmJs(A, B, C, n, k, m, options);
    return;
  }
  const mp = (m + 3) & ~3;
  const aBytes = n * k * 4;
  const bBytes = k * mp * 4;
  const cBytes = n * mp * 4;
  const need = aBytes + bBytes + cBytes;
  const mem = ex.memory;
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const f = new Float32Array(mem.buffer);
  const aOff = 0;
  const bOff = aBytes;
  const cOff = aBytes + bBytes;
  // A: n x k row-major
  if (options.transA) {
    for (let p = 0; p < k; p++) {
      const src = p * n;
      for (let i = 0; i < n; i++) f[i * k + p] = A[src + i]!;
    }
  } else f.set(A.subarray(0, n * k), 0);
  // B: k x mp row-major, padded columns zero
  const b0 = bOff >> 2;
  if (options.transB) {
    for (let j = 0; j < m; j++) {
      const src = j * k;
      for (let p = 0; p < k; p++) f[b0 + p * mp + j] = B[src + p]!;
    }
    if (mp !== m) for (let p = 0; p < k; p++) f.fill(0, b0 + p * mp + m, b0 + (p + 1) * mp);
  } else if (mp === m) f.set(B.subarray(0, k * m), b0);
  else {
    for (let p = 0; p < k; p++) {
      f.set(B.subarray(p * m, (p + 1) * m), b0 + p * mp);
      f.fill(0, b0 + p * mp + m, b0 + (p + 1) * mp);
    }
  }
  const c0 = cOff >> 2;
  if (options.accumulate) {
    if (mp === m) f.set(C.subarray(0, n * m), c0);
    else for (let i = 0; i < n; i++) f.set(C.subarray(i * m, (i + 1) * m), c0 + i * mp);
  }
  ex.gemm(aOff, bOff, cOff, n, k, mp, options.accumulate ? 1 : 0);
  const out = new Float32Array(mem.buffer, cOff, n * mp);
  if (mp === m) C.set(out);
  else for (let i = 0; i < n; i++) C.set(out.subarray(i * mp, i * mp + m), i * m);
}

/** The reference path: i-p-j loops (contiguous inner loop over C's row). */
export function gemmJs(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  n: number,
  k: number,
  m: number,
  options: GemmOptions = {},
): void {
  if (!options.accumulate) C.fill(0, 0, n * m);
  const { transA, transB } = options;
  for (let i = 0; i < n; i++) {
    const co = i * m;
    for (let p = 0; p < k; p++) {
      const a = transA ? A[p * n + i]! : A[i * k + p]!;
      if (a === 0) continue;
      if (transB) {
        for (let j = 0; j < m; j++) C[co + j]! += a * B[j * k + p]!;
      } else {
        const bo = p * m;
        for (let j = 0; j < m; j++) C[co + j]! += a * B[bo + j]!;
      }
    }
  }
}
