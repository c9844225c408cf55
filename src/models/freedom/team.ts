/**
 * @module models/freedom/team
 * FREEDOM's persistent thread team: LightGCN's team design (models/lightgcn/team: the main thread
 * is member 0, workers are woken per operation through Atomics on a shared control block, each
 * member computes a disjoint row range with the same kernel, so results do not depend on the
 * number of threads) running both LightGCN's kernels (sparse propagation, dense Adam) and
 * FREEDOM's dense products (./kernels: the modality projections), split by rows.
 */
import type { Worker } from 'node:worker_threads';
import { FusionrecError } from '../../errors.js';
import { siblingModule, startWorker } from '../../util/workers.js';
import {
  ARG_SLOT,
  type ArgName,
  DONE,
  ERROR,
  execute,
  FLOATS,
  instantiate,
  type Kernels,
  kernelModule,
  OP,
  OPCODE,
  RANGES,
  SEQ,
} from '../lightgcn/ops.js';
import { type FreedomKernels, freedomKernels } from './kernels.js';

const ERROR_BYTES = 4096;
/** How long the main thread waits for a worker before giving up (ms). */
const WAIT_LIMIT_MS = 600_000;

/** FREEDOM's operations (LightGCN's OP codes run as they are). */
export const FOP = { gemmRows: 101, gemmTN: 102, gemmNT: 103 } as const;

/** Integer argument slots of FREEDOM's operations (the same block as LightGCN's arguments). */
const GEMM_SLOTS = { count: 4, rows: 5, x: 6, xs: 7, din: 8, w: 9, t: 10, pd: 11 } as const;
export type GemmArg = keyof typeof GEMM_SLOTS;

export interface TeamShared {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  floats: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  members: number;
}

interface Both {
  lightgcn: Kernels;
  freedom: FreedomKernels;
}

function instantiateBoth(memory: WebAssembly.Memory): Both {
  return { lightgcn: instantiate(kernelModule(), memory), freedom: freedomKernels(memory) };
}

/**
 * Member `member`'s share of the operation in the control block. gemmRows and gemmNT split the
 * distinct rows q, gemmTN the feature columns c (its output rows).
 */
function run(k: Both, ctl: Int32Array, f: Float64Array, member: number): void {
  const op = ctl[OPCODE]!;
  if (op < 100) {
    execute(k.lightgcn, ctl, f, member);
    return;
  }
  const from = ctl[RANGES + 2 * member]!;
  const to = ctl[RANGES + 2 * member + 1]!;
  if (to <= from) return;
  const a = (name: GemmArg) => ctl[GEMM_SLOTS[name]]!;
  const rb = 4 * a('pd');
  if (op === FOP.gemmRows) {
    k.freedom.gemmRows(
      to - from,
      a('rows') + 4 * from,
      a('x'),
      a('xs'),
      a('din'),
      a('w'),
      a('t') + from * rb,
      a('pd'),
    );
  } else if (op === FOP.gemmNT) {
    k.freedom.gemmNT(
      to - from,
      a('rows') + 4 * from,
      a('t') + from * rb,
      a('w'),
      a('din'),
      a('x'),
      a('xs'),
      a('pd'),
    );
  } else if (op === FOP.gemmTN) {
    k.freedom.gemmTN(
      a('count'),
      a('rows'),
      a('x') + 4 * from,
      a('xs'),
      to - from,
      a('t'),
      a('w') + from * rb,
      a('pd'),
    );
  } else {
    throw new FusionrecError('INTERNAL', `FREEDOM team: unknown operation ${op}`);
  }
}

function reportError(shared: TeamShared, err: unknown): void {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const bytes = new TextEncoder().encode(text).subarray(0, ERROR_BYTES);
  new Uint8Array(shared.errors).set(bytes);
  Atomics.store(new Int32Array(shared.control), ERROR, bytes.length || 1);
}

/** Worker side: instantiates the kernels, calls `ready`, then serves operations until "stop". */
export function serve(shared: TeamShared, member: number, ready: () => void): void {
  const ctl = new Int32Array(shared.control);
  const f = new Float64Array(shared.floats);
  const k = instantiateBoth(shared.memory);
  ready();
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    if (ctl[OPCODE] === OP.stop) return;
    try {
      run(k, ctl, f, member);
    } catch (err) {
      reportError(shared, err);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** The main thread's handle on a team. */
export class FreedomTeam {
  /** Float arguments (see lightgcn ops.FLOAT). */
  readonly f: Float64Array;
  private readonly ctl: Int32Array;
  private readonly kernels: Both;
  private workerError: unknown;

  private constructor(
    readonly shared: TeamShared,
    private readonly workers: Worker[],
  ) {
    this.ctl = new Int32Array(shared.control);
    this.f = new Float64Array(shared.floats);
    this.kernels = instantiateBoth(shared.memory);
    for (const w of workers) {
      w.on('error', (err) => {
        this.workerError ??= err;
      });
    }
  }

  get members(): number {
    return this.shared.members;
  }

  /** The kernels on the main thread (for single-threaded operations). */
  get local(): FreedomKernels {
    return this.kernels.freedom;
  }

  /** Starts `members - 1` workers on `memory` and waits until they are ready. */
  static async start(memory: WebAssembly.Memory, members: number): Promise<FreedomTeam> {
    const shared: TeamShared = {
      memory,
      control: new SharedArrayBuffer(4 * (RANGES + 2 * members)),
      floats: new SharedArrayBuffer(8 * FLOATS),
      errors: new SharedArrayBuffer(ERROR_BYTES),
      members,
    };
    const url = siblingModule(import.meta.url, './team-worker');
    const workers: Worker[] = [];
    try {
      const ready: Promise<void>[] = [];
      for (let m = 1; m < members; m++) {
        const w = startWorker(url, { shared, member: m });
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
            w.once('exit', (code) =>
              reject(new FusionrecError('INTERNAL', `FREEDOM worker exited (${code})`)),
            );
          }),
        );
      }
      await Promise.all(ready);
      for (const w of workers) w.removeAllListeners();
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new FreedomTeam(shared, workers);
  }

  /** Sets LightGCN-kernel integer arguments by name. */
  setArgs(args: Partial<Record<ArgName, number>>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[ARG_SLOT[name as ArgName]] = value;
  }

  /** Sets FREEDOM-kernel integer arguments by name. */
  setGemmArgs(args: Record<GemmArg, number>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[GEMM_SLOTS[name as GemmArg]] = value;
  }

  /** Sets the members' row ranges from boundaries (members + 1 of them). */
  setRanges(bounds: Int32Array): void {
    for (let m = 0; m < this.members; m++) {
      this.ctl[RANGES + 2 * m] = bounds[m]!;
      this.ctl[RANGES + 2 * m + 1] = bounds[m + 1]!;
    }
  }

  /** Runs `op` on every member's range and returns when all are done. */
  run(op: number): void {
    const ctl = this.ctl;
    const n = this.workers.length;
    ctl[OPCODE] = op;
    if (n > 0) {
      Atomics.store(ctl, DONE, 0);
      Atomics.add(ctl, SEQ, 1);
      Atomics.notify(ctl, SEQ);
    }
    try {
      run(this.kernels, ctl, this.f, 0);
    } finally {
      if (n > 0) this.waitWorkers(n);
    }
  }

  private waitWorkers(n: number): void {
    const ctl = this.ctl;
    const t0 = Date.now();
    for (let done = Atomics.load(ctl, DONE); done < n; done = Atomics.load(ctl, DONE)) {
      Atomics.wait(ctl, DONE, done, 1000);
      if (Date.now() - t0 > WAIT_LIMIT_MS || this.workerError !== undefined) {
        throw new FusionrecError('INTERNAL', 'a FREEDOM worker stopped answering', {
          cause: this.workerError,
        });
      }
    }
    const len = Atomics.load(ctl, ERROR);
    if (len > 0) {
      const text = new TextDecoder().decode(new Uint8Array(this.shared.errors).slice(0, len));
      Atomics.store(ctl, ERROR, 0);
      throw new FusionrecError('INTERNAL', `FREEDOM worker failed: ${text}`);
    }
  }

  /** Stops and terminates the workers (idempotent). */
  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    this.ctl[OPCODE] = OP.stop;
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
