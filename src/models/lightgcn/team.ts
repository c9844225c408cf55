/**
 * @module models/lightgcn/team
 * A persistent team of threads that run LightGCN's WebAssembly kernels (ops.ts) on disjoint row
 * ranges of tables held in one shared WebAssembly memory (util/thread-team). The main thread is
 * member 0 and computes its own range; members 1..n-1 are worker threads started once per fit and
 * woken per operation through Atomics (microseconds, against the tens of milliseconds a worker
 * takes to start). Each output row is computed by exactly one member with the same kernel, so
 * results do not depend on the number of threads.
 */
import { spawnTeam, type TeamKernels, ThreadTeam } from '../../util/thread-team.js';
import { siblingModule } from '../../util/workers.js';
import { ARG_SLOT, type ArgName, execute, instantiate, type Kernels, kernelModule } from './ops.js';

/** How every member of a LightGCN team gets and runs its kernels. */
export const LIGHTGCN_KERNELS: TeamKernels<Kernels> = {
  instantiate: (memory) => instantiate(kernelModule(), memory),
  execute,
};

export class Team extends ThreadTeam<Kernels> {
  /** Starts `members - 1` workers on `memory` and waits until they are ready. */
  static async start(memory: WebAssembly.Memory, members: number): Promise<Team> {
    const { shared, workers } = await spawnTeam(
      memory,
      members,
      siblingModule(import.meta.url, './team-worker'),
      'LightGCN',
    );
    return new Team(shared, workers, LIGHTGCN_KERNELS, 'LightGCN');
  }

  /** Sets integer arguments by name. */
  setArgs(args: Partial<Record<ArgName, number>>): void {
    for (const [name, value] of Object.entries(args)) this.ctl[ARG_SLOT[name as ArgName]] = value;
  }
}
