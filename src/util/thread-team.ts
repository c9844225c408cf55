/**
 * @module util/thread-team
 * A team of threads that run WebAssembly kernels on disjoint row ranges of one shared memory,
 * woken through Atomics (LightGCN's and FREEDOM's propagation and dense steps). The main thread
 * is member 0 and works too; members 1… are persistent workers. An operation is described in a
 * shared control block — its code, integer arguments, float arguments and each member's row
 * range — then every member runs it and the main thread waits for the rest. A worker's failure
 * comes back as an error on the main thread; a worker that stops answering is reported after
 * ten minutes.
 *
 * Control block (Int32): SEQ wake-up sequence, DONE finished workers, ERROR error text length,
 * OPCODE the operation; slots FIRST_ARG … RANGES − 1 are the kernels' integer arguments (each
 * model names them); member m's row range is [ctl[RANGES + 2m], ctl[RANGES + 2m + 1]). Float
 * arguments live in a separate Float64 block of FLOATS slots.
 */
import type { Worker } from 'node:worker_threads';
import { FusionrecError } from '../errors.js';
import { startWorker } from './workers.js';

export const SEQ = 0;
export const DONE = 1;
export const ERROR = 2;
export const OPCODE = 3;
/** First slot of the kernels' integer arguments. */
export const FIRST_ARG = 4;
export const RANGES = 20;
export const FLOATS = 8;
/** The operation code that ends the workers' loops. */
export const OP_STOP = 9;

const ERROR_BYTES = 4096;
const WAIT_LIMIT_MS = 600_000;

/** What every member shares (posted to the workers). */
export interface TeamShared {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  floats: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  members: number;
}

/** How a team's members get their kernels and run one operation on their row range. */
export interface TeamKernels<K> {
  instantiate(memory: WebAssembly.Memory): K;
  execute(kernels: K, ctl: Int32Array, f: Float64Array, member: number): void;
}

function reportError(shared: TeamShared, err: unknown): void {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const bytes = new TextEncoder().encode(text).subarray(0, ERROR_BYTES);
  new Uint8Array(shared.errors).set(bytes);
  Atomics.store(new Int32Array(shared.control), ERROR, bytes.length || 1);
}

/** A worker's loop: instantiate, say ready, run operations until told to stop. */
export function serveTeam<K>(
  shared: TeamShared,
  member: number,
  ready: () => void,
  spec: TeamKernels<K>,
): void {
  const ctl = new Int32Array(shared.control);
  const f = new Float64Array(shared.floats);
  const k = spec.instantiate(shared.memory);
  ready();
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    if (ctl[OPCODE] === OP_STOP) return;
    try {
      spec.execute(k, ctl, f, member);
    } catch (err) {
      reportError(shared, err);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** Starts `members - 1` workers of `workerUrl` on `memory` and waits until they are ready. */
export async function spawnTeam(
  memory: WebAssembly.Memory,
  members: number,
  workerUrl: URL,
  name: string,
): Promise<{ shared: TeamShared; workers: Worker[] }> {
  const shared: TeamShared = {
    memory,
    control: new SharedArrayBuffer(4 * (RANGES + 2 * members)),
    floats: new SharedArrayBuffer(8 * FLOATS),
    errors: new SharedArrayBuffer(ERROR_BYTES),
    members,
  };
  const workers: Worker[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let m = 1; m < members; m++) {
      const w = startWorker(workerUrl, { shared, member: m });
      workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.once('exit', (code) => reject(new FusionrecError('INTERNAL', `${name} worker exited (${code})`)));
        }),
      );
    }
    await Promise.all(ready);
    for (const w of workers) w.removeAllListeners();
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  return { shared, workers };
}

/** The main thread's side of a team (member 0). */
export class ThreadTeam<K> {
  /** Float arguments. */
  readonly f: Float64Array;
  /** The main thread's kernels. */
  readonly kernels: K;
  protected readonly ctl: Int32Array;
  private workerError: unknown;

  protected constructor(
    readonly shared: TeamShared,
    private readonly workers: Worker[],
    private readonly spec: TeamKernels<K>,
    private readonly name: string,
  ) {
    this.ctl = new Int32Array(shared.control);
    this.f = new Float64Array(shared.floats);
    this.kernels = spec.instantiate(shared.memory);
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

  /** Sets member m's row range. */
  setRange(member: number, from: number, to: number): void {
    this.ctl[RANGES + 2 * member] = from;
    this.ctl[RANGES + 2 * member + 1] = to;
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
      this.spec.execute(this.kernels, ctl, this.f, 0);
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
        throw new FusionrecError('INTERNAL', `a ${this.name} worker stopped answering`, {
          cause: this.workerError,
        });
      }
    }
    const len = Atomics.load(ctl, ERROR);
    if (len > 0) {
      const text = new TextDecoder().decode(new Uint8Array(this.shared.errors).slice(0, len));
      Atomics.store(ctl, ERROR, 0);
      throw new FusionrecError('INTERNAL', `${this.name} worker failed: ${text}`);
    }
  }

  /** Stops and terminates the workers (idempotent). */
  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    this.ctl[OPCODE] = OP_STOP;
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
