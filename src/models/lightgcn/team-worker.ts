/**
 * @module models/lightgcn/team-worker
 * Worker-thread entry of a LightGCN thread team (see team.ts): instantiates the kernels on the
 * shared memory, says it is ready, then serves operations until told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveTeam, type TeamShared } from '../../util/thread-team.js';
import { LIGHTGCN_KERNELS } from './team.js';

const input = workerData as { shared: TeamShared; member: number };
// A failure before "ready" reaches the parent as the worker's 'error' event; afterwards serveTeam()
// reports each operation's failure through the shared control block.
serveTeam(input.shared, input.member, () => parentPort?.postMessage('ready'), LIGHTGCN_KERNELS);
