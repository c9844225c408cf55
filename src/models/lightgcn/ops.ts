/**
 * @module models/lightgcn/ops
 * What the threads of a LightGCN team (team.ts) share: the WebAssembly kernels (kernels.wat:
 * `prop`, a sparse x dense product with a self term, and `adam`, a dense Adam step, both over a
 * row range) and the control block through which the main thread describes an operation: its
 * code, integer arguments (byte offsets into the shared memory), float arguments, and each
 * member's row range.
 */
import { DONE, ERROR, FLOATS, OP_STOP, OPCODE, RANGES, SEQ } from '../../util/thread-team.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/**
 * The kernels' exports. prop(rows, from, to, indptr, indices, values, map, x, selfMap, selfX, y,
 * pd, scale); adam(from, to, p, m, v, grad, gscale, slot, extra, pd, stepSize, b1, b2, eps, bc2s).
 * See kernels.wat for their exact semantics.
 */
export interface Kernels {
  prop(...args: number[]): void;
  adam(...args: number[]): void;
}

/** Operation codes (stop: util/thread-team's OP_STOP). */
export const OP = { prop: 1, adam: 2, propAdam: 3, stop: OP_STOP } as const;

/** Control block slots (util/thread-team): wake-up sequence, finished workers, error text length, operation. */
export { DONE, ERROR, FLOATS, OPCODE, RANGES, SEQ };
/** Integer arguments: name -> slot (FIRST_ARG … RANGES − 1 of util/thread-team). */
export const ARGS = {
  rows: 4,
  indptr: 5,
  indices: 6,
  values: 7,
  map: 8,
  x: 9,
  selfMap: 10,
  selfX: 11,
} as const;
export const MORE_ARGS = { y: 12, pd: 13, p: 14, m: 15, v: 16, grad: 17, slot: 18, extra: 19 } as const;
export type ArgName = keyof typeof ARGS | keyof typeof MORE_ARGS;
export const ARG_SLOT: Record<ArgName, number> = { ...ARGS, ...MORE_ARGS };
/** Float arguments (Float64 slots, FLOATS of them). */
export const FLOAT = { scale: 0, gscale: 1, stepSize: 2, b1: 3, b2: 4, eps: 5, bc2s: 6 } as const;

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/** Instantiates the kernels on `memory`. */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernels;
}

/** Runs the operation described in the control block on member `member`'s range. */
export function execute(k: Kernels, ctl: Int32Array, f: Float64Array, member: number): void {
  const a = (name: ArgName) => ctl[ARG_SLOT[name]]!;
  const from = ctl[RANGES + 2 * member]!;
  const to = ctl[RANGES + 2 * member + 1]!;
  const op = ctl[OPCODE]!;
  if (op === OP.prop || op === OP.propAdam) {
    const graph = [a('indptr'), a('indices'), a('values')];
    const self = [a('selfMap'), a('selfX')];
    k.prop(a('rows'), from, to, ...graph, a('map'), a('x'), ...self, a('y'), a('pd'), f[FLOAT.scale]!);
  }
  if (op === OP.adam || op === OP.propAdam) {
    const tables = [a('p'), a('m'), a('v'), a('grad')];
    const hyper = [f[FLOAT.stepSize]!, f[FLOAT.b1]!, f[FLOAT.b2]!, f[FLOAT.eps]!, f[FLOAT.bc2s]!];
    k.adam(from, to, ...tables, f[FLOAT.gscale]!, a('slot'), a('extra'), a('pd'), ...hyper);
  }
}
