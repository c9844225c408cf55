/**
 * @module models/freedom/team
 * FREEDOM's persistent thread team (util/thread-team, as LightGCN's: the main thread
 * is member 0, workers are woken per operation through Atomics on a shared control block, each
 * member computes a disjoint row range with the same kernel, so results do not depend on the
 * number of threads) running both LightGCN's kernels (sparse propagation, dense Adam) and
 * FREEDOM's dense products (./kernels: the modality projections), split by rows.
 */
import { FusionrecError } from '../../errors.js';
import { spawnTeam, type TeamKernels, ThreadTeam } from '../../util/thread-team.js';
import { siblingModule } from '../../util/workers.js';
import {
  ARG_SLOT,
  type ArgName,
  execute,
  instantiate,
  type Kernels,
  kernelModule,
  OPCODE,
  RANGES,
} from '../lightgcn/ops.js';
import { type FreedomKernels, freedomKernels } from './kernels.js';

/** FREEDOM's operations (LightGCN's OP codes run as they are). */
export const FOP = { gemmRows: 101, gemmTN: 102, gemmNT: 103 } as const;

/** Integer argument slots of FREEDOM's operations (the same block as LightGCN's arguments). */
const GEMM_SLOTS = { count: 4, rows: 5, x: 6, xs: 7, din: 8, w: 9, t: 10, pd: 11 } as const;
export type GemmArg = keyof typeof GEMM_SLOTS;

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

/** How every member of a FREEDOM team gets and runs its kernels (LightGCN's and FREEDOM's). */
export const FREEDOM_TEAM_KERNELS: TeamKernels<Both> = { instantiate: instantiateBoth, execute: run };

export class FreedomTeam extends ThreadTeam<Both> {
  /** Starts `members - 1` workers on `memory` and waits until they are ready. */
  static async start(memory: WebAssembly.Memory, members: number): Promise<FreedomTeam> {
    const { shared, workers } = await spawnTeam(
      memory,
      members,
      siblingModule(import.meta.url, './team-worker'),
      'FREEDOM',
    );
    return new FreedomTeam(shared, workers, FREEDOM_TEAM_KERNELS, 'FREEDOM');
  }

  /** The kernels on the main thread (for single-threaded operations). */
  get local(): FreedomKernels {
    return this.kernels.freedom;
  }

  /** Sets LightGCN-kernel integer arguments by name. */
  setArgs(args: Partial<Record<ArgName, number>>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[ARG_SLOT[name as ArgName]] = value;
  }

  /** Sets FREEDOM-kernel integer arguments by name. */
  setGemmArgs(args: Record<GemmArg, number>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[GEMM_SLOTS[name as GemmArg]] = value;
  }
}
