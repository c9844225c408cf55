/**
 * @module serve/worker/job-worker
 * The claim loop of `fusionrec worker`: `concurrency` slots, each claiming the oldest job of the
 * worker's kinds from the store's durable queue (store/types Store.claimJob) under a lease, running
 * its handler, heartbeating every third of the lease (with the handler's latest progress) while
 * it runs, and writing the outcome. A slot whose heartbeat is refused (its lease expired and
 * another worker took the job) aborts the handler and writes nothing. Idle slots poll every
 * `pollMs` and are woken at once by {@link JobWorker.wake}. {@link JobWorker.stop} stops claiming,
 * lets running jobs finish for a grace period, then aborts them and gives them back to the queue
 * (the attempt not counted). A worker killed outright leaves its job running until the lease
 * expires; then another worker claims it again, or it fails once its attempts are spent.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { describeError, InvalidArgumentError } from '../../errors.js';
import type { JobRecord, Store } from '../../store/types.js';

export interface JobContext {
  /** Records progress (sent with the next heartbeat). */
  progress(p: Record<string, unknown>): void;
  /** Aborted when the job must stop: the worker is stopping, or it lost the job's lease. */
  signal: AbortSignal;
}

/** Runs one job; resolves with its result, or rejects with why it failed. */
export type JobHandler = (job: JobRecord, ctx: JobContext) => Promise<Record<string, unknown>>;

export interface JobWorkerOptions {
  /** Handler per job kind; the worker claims these kinds only. */
  handlers: Record<string, JobHandler>;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** Seconds a claim holds without a heartbeat (default 30). */
  leaseSeconds?: number;
  /** How often an idle slot looks for a job, ms (default 1000). */
  pollMs?: number;
  /** This worker's id (default host:pid:random); slot k claims as `<id>/<k>`. */
  workerId?: string;
  log?: (line: string) => void;
}

class Stopping extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class JobWorker {
  readonly id: string;
  private readonly kinds: string[];
  private readonly lease: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  private stopping = false;
  private slots: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly running = new Map<number, AbortController>();
  /** Jobs this worker finished (done or failed), for logs and tests. */
  finished = 0;

  constructor(
    private readonly store: Store,
    private readonly o: JobWorkerOptions,
  ) {
    this.kinds = Object.keys(o.handlers);
    if (this.kinds.length === 0) throw new InvalidArgumentError('a worker needs at least one job kind');
    this.lease = o.leaseSeconds ?? 30;
    if (!(this.lease > 0)) throw new InvalidArgumentError(`the lease must be positive, got ${this.lease}`);
    this.pollMs = o.pollMs ?? 1000;
    this.id = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Starts the slots (concurrency loops). */
  start(): this {
    const n = this.o.concurrency ?? 1;
    if (!(Number.isInteger(n) && n >= 1))
      throw new InvalidArgumentError(`concurrency must be >= 1, got ${n}`);
    for (let k = 0; k < n; k++) this.slots.push(this.slot(`${this.id}/${k}`));
    return this;
  }

  /** Wakes idle slots to look for a job now (a job was enqueued). */
  wake(): void {
    for (const w of this.wakers) w();
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running.size;
  }

  /**
   * Stops claiming; running jobs get `graceMs` to finish, then are aborted and released to the
   * queue. Resolves when every slot has stopped.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    this.wake();
    const all = Promise.all(this.slots);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), graceMs);
    });
    if ((await Promise.race([all, late])) === 'late') {
      for (const ac of this.running.values()) ac.abort(new Stopping('the worker is stopping'));
    }
    clearTimeout(timer);
    await all;
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, this.pollMs);
      this.wakers.add(done);
    });
  }

  private async slot(slotId: string): Promise<void> {
    while (!this.stopping) {
      let job: JobRecord | undefined;
      try {
        job = await this.store.claimJob(slotId, this.kinds, this.lease);
      } catch (err) {
        this.log(`worker ${slotId}: claiming failed: ${describeError(err)}`);
        await sleep(this.pollMs);
        continue;
      }
      if (!job) {
        await this.idle();
        continue;
      }
      await this.run(slotId, job);
    }
  }

  private async run(slotId: string, job: JobRecord): Promise<void> {
    const ac = new AbortController();
    this.running.set(job.id, ac);
    let progress: Record<string, unknown> | undefined;
    let lost = false;
    this.log(`job ${job.id} (${job.kind}) claimed by ${slotId}, attempt ${job.attempts}/${job.maxAttempts}`);
    const beat = async () => {
      try {
        const held = await this.store.heartbeatJob(job.id, slotId, this.lease, progress);
        if (!held && !ac.signal.aborted) {
          lost = true;
          ac.abort(new Error(`job ${job.id}: lease lost (claimed again elsewhere)`));
        }
      } catch (err) {
        this.log(`job ${job.id}: heartbeat failed (retrying): ${describeError(err)}`);
      }
    };
    const timer = setInterval(() => void beat(), Math.max(50, (this.lease * 1000) / 3));
    try {
      const handler = this.o.handlers[job.kind]!;
      const result = await handler(job, { progress: (p) => (progress = p), signal: ac.signal });
      if (ac.signal.aborted) throw ac.signal.reason;
      clearInterval(timer);
      if (await this.store.finishJob(job.id, slotId, { status: 'done', result })) {
        this.finished++;
        const { metrics: _m, ...brief } = result;
        this.log(`job ${job.id} done: ${JSON.stringify(brief)}`);
      } else this.log(`job ${job.id}: finished, but its lease was lost; the outcome is not recorded`);
    } catch (err) {
      clearInterval(timer);
      if (lost) this.log(`job ${job.id}: stopped, lease lost (another worker has it)`);
      else if (ac.signal.reason instanceof Stopping) {
        const released = await this.store.releaseJob(job.id, slotId).catch(() => false);
        this.log(
          `job ${job.id}: ${released ? 'released to the queue' : 'not released (lease lost)'} (worker stopping)`,
        );
      } else {
        const error = describeError(err);
        if (await this.store.finishJob(job.id, slotId, { status: 'failed', error }).catch(() => false)) {
          this.finished++;
        }
        this.log(`job ${job.id} failed: ${error}`);
      }
    } finally {
      clearInterval(timer);
      this.running.delete(job.id);
    }
  }
}
