/**
 * @module serve/engine/follower
 * Follows the store's change feed so that a running server sees what other processes write to its
 * store: `fusionrec import`, `train`, `ab create` against the same SQLite file, or other servers
 * and workers on the same PostgreSQL. Every write that matters records a change row in the same
 * transaction (store/types ChangeKind); the follower reads the rows after its cursor, skips its
 * own store handle's (already applied in memory), and hands the rest to {@link Engine.applyChange}.
 *
 * It polls (one indexed range read per tick: cheap on SQLite and PostgreSQL) and can also be woken
 * at once by a bus (Redis pub/sub when there is one). The cursor is taken before the engine loads,
 * so a change made while loading is replayed (changes are idempotent). If the feed was pruned past
 * the cursor (a server that was stopped for long), the engine reloads everything.
 */
import { describeError } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { Engine } from './engine.js';

export interface FollowerOptions {
  /** Poll interval in ms (default 250). */
  intervalMs?: number;
  /** Changes older than this many seconds are pruned from the feed (default one day; 0 = never). */
  keepSeconds?: number;
  log?: (line: string) => void;
  /** Called after each applied change (metrics, tests). */
  onApplied?: (seq: number, kind: string) => void;
}

const BATCH = 500;
const PRUNE_EVERY_MS = 60_000;

export class ChangeFollower {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  /** Seconds behind the newest change at the last poll that found work (0 when caught up). */
  lagSeconds = 0;

  private constructor(
    private readonly store: Store,
    private readonly engine: () => Engine,
    private cursor: number,
    private readonly o: FollowerOptions,
  ) {}

  /** The feed position before the engine loads (pass it to {@link start}). */
  static cursor(store: Store): Promise<number> {
    return store.lastChangeSeq();
  }

  /** Starts following from `cursor` (taken with {@link cursor} before the engine loaded). */
  static start(store: Store, engine: () => Engine, cursor: number, o: FollowerOptions = {}): ChangeFollower {
    const f = new ChangeFollower(store, engine, cursor, o);
    const every = Math.max(10, o.intervalMs ?? 250);
    f.timer = setInterval(() => f.wake(), every);
    f.timer.unref();
    f.wake();
    return f;
  }

  /** The last change seq applied (or skipped as this server's own). */
  get position(): number {
    return this.cursor;
  }

  /** Reads and applies what is new now (coalescing wake-ups that arrive while it runs). */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.report(err);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private lastLog = 0;
  private quiet = 0;

  /** Logs a failed poll, at most once per 10 s while the store stays unreachable. */
  private report(err: unknown): void {
    if (Date.now() - this.lastLog < 10_000) {
      this.quiet++;
      return;
    }
    const more = this.quiet > 0 ? ` (${this.quiet} more failures since the last message)` : '';
    this.lastLog = Date.now();
    this.quiet = 0;
    (this.o.log ?? ((l) => process.stderr.write(`${l}\n`)))(`change feed: ${describeError(err)}${more}`);
  }

  /** Resolves once every change recorded before the call has been applied. */
  async sync(): Promise<void> {
    const target = await this.store.lastChangeSeq();
    while (this.cursor < target && !this.stopped) await this.wake();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const changes = await this.store.changesSince(this.cursor, BATCH);
      if (changes.length === 0) {
        this.lagSeconds = 0;
        break;
      }
      const first = changes[0]!.seq;
      if (first > this.cursor + 1 && (await this.store.firstChangeSeq()) > this.cursor + 1) {
        // rows after the cursor were pruned: what they said is lost, so rebuild from the store
        await this.engine().reload();
      }
      for (const c of changes) {
        if (this.stopped) return;
        if (c.origin !== this.store.origin) {
          await this.engine().applyChange(c);
          this.o.onApplied?.(c.seq, c.kind);
        }
        this.cursor = c.seq;
      }
      this.lagSeconds = Math.max(0, Date.now() / 1000 - changes[changes.length - 1]!.time);
      if (changes.length < BATCH) break;
    }
    await this.maybePrune();
  }

  private async maybePrune(): Promise<void> {
    const keep = this.o.keepSeconds ?? 86_400;
    if (keep <= 0 || Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.store.pruneChanges(Date.now() / 1000 - keep);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
