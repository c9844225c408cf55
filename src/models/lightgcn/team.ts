/**
 * @module models/lightgcn/team
 * A persistent team of threads that run LightGCN's WebAssembly kernels (ops.ts) on disjoint row
 * ranges of tables held in one shared WebAssembly memory. The main thread is member 0 and computes
 * its own range; members 1..n-1 are worker threads started once per fit and woken per operation
 * through Atomics on a shared control block (microseconds, against the tens of milliseconds a
 * worker takes to start). Each output row is computed by exactly one member with the same kernel,
 * so results do not depend on the number of threads.
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
} from './ops.js';

const ERROR_BYTES = 4096;
/** How long the main thread waits for a worker before giving up (ms). */
const WAIT_LIMIT_MS = 600_000;

/** Shared state of a team, as handed to workers. */
export interface TeamShared {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  floats: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  members: number;
}

/** Writes an error text where the main thread reads it (worker side). */
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
  const k = instantiate(shared.module, shared.memory);
  ready();
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    if (ctl[OPCODE] === OP.stop) return;
    try {
      execute(k, ctl, f, member);
    } catch (err) {
      reportError(shared, err);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** The main thread's handle on a team. */
export class Team {
  /** Float arguments (see ops.FLOAT). */
  readonly f: Float64Array;
  private readonly ctl: Int32Array;
  private readonly kernels: Kernels;
  private workerError: unknown;

  private constructor(
    readonly shared: TeamShared,
    private readonly workers: Worker[],
  ) {
    this.ctl = new Int32Array(shared.control);
    this.f = new Float64Array(shared.floats);
    this.kernels = instantiate(shared.module, shared.memory);
    for (const w of workers) {
      w.on('error', (err) => {
        this.workerError ??= err;
      });
    }
  }

  /** Number of members (threads, the main one included). */
  get members(): number {
    return this.shared.members;
  }

  /** Starts `members - 1` workers on `memory` and waits until they are ready. */
  static async start(memory: WebAssembly.Memory, members: number): Promise<Team> {
    const shared: TeamShared = {
      module: kernelModule(),
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
              reject(new FusionrecError('INTERNAL', `LightGCN worker exited (${code})`)),
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
    return new Team(shared, workers);
  }

  /** Sets member m's row range. */
  setRange(member: number, from: number, to: number): void {
    this.ctl[RANGES + 2 * member] = from;
    this.ctl[RANGES + 2 * member + 1] = to;
  }

  /** Sets integer arguments by name. */
  setArgs(args: Partial<Record<ArgName, number>>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[ARG_SLOT[name as ArgName]] = value;
  }

  /** Sets the members' row ranges from boundaries (members + 1 of them). */
  setRanges(bounds: Int32Array): void {
    for (let m = 0; m < this.members; m++) this.setRange(m, bounds[m]!, bounds[m + 1]!);
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
      execute(this.kernels, ctl, this.f, 0);
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
        throw new FusionrecError('INTERNAL', 'a LightGCN worker stopped answering', {
          cause: this.workerError,
        });
      }
    }
    const len = Atomics.load(ctl, ERROR);
    if (len > 0) {
      const text = new TextDecoder().decode(new Uint8Array(this.shared.errors).slice(0, len));
      Atomics.store(ctl, ERROR, 0);
      throw new FusionrecError('INTERNAL', `LightGCN worker failed: ${text}`);
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
