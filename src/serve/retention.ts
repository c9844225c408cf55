/**
 * @module serve/retention
 * The retention job: every `intervalMs` (default one hour) the server applies the retention age
 * (the `--retention-days` flag, else the `privacy.retentionDays` setting of `/v1/settings`; 0 or
 * absent: keep everything). Raw feedback inserted longer ago than that is aggregated into per-item
 * counts (`feedback_aggregates`, which keep counting towards popularity) and deleted, or only
 * deleted (`privacy.retentionMode` = `delete`); request logs older than that are deleted. When
 * feedback was removed the engine reloads (histories and fold-ins shrink); other servers reload
 * through the `bulk` change the store records. Several servers running it at once is harmless:
 * each deletes what is still there.
 */
import { describeError } from '../errors.js';
import type { RetentionResult } from '../store/types.js';
import type { Engine } from './engine/engine.js';
import { SETTINGS } from './engine/operator-state.js';

export interface RetentionOptions {
  /** Age in days (fractions allowed); overrides the stored setting. */
  days?: number;
  /** How often the job runs, ms (default 3,600,000). */
  intervalMs?: number;
  log?: (line: string) => void;
}

/** Applies retention once; undefined when no age is set. */
export async function runRetention(
  engine: Engine,
  o: Pick<RetentionOptions, 'days'> = {},
  now = Date.now() / 1000,
): Promise<RetentionResult | undefined> {
  const store = engine.store;
  const days = o.days ?? (await store.getMeta<number>(SETTINGS.retentionDays)) ?? 0;
  if (!(days > 0)) return undefined;
  const mode = (await store.getMeta<'aggregate' | 'delete'>(SETTINGS.retentionMode)) ?? 'aggregate';
  const r = await store.applyRetention(now - days * 86_400, mode === 'delete' ? 'delete' : 'aggregate');
  if (r.feedback > 0) await engine.reload();
  return r;
}

/** A timer running {@link runRetention}; stop it on close. */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly engine: () => Engine,
    private readonly o: RetentionOptions = {},
  ) {}

  start(): this {
    const every = Math.max(10, this.o.intervalMs ?? 3_600_000);
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
    return this;
  }

  /** One run (skipped while the previous one is still running). */
  tick(): Promise<unknown> {
    this.running ??= runRetention(this.engine(), this.o)
      .then((r) => {
        if (r && (r.feedback > 0 || r.requestLogs > 0)) {
          this.o.log?.(`retention: ${r.feedback} feedback rows and ${r.requestLogs} request logs removed`);
        }
        return r;
      })
      .catch((err) =>
        (this.o.log ?? ((l) => process.stderr.write(`${l}\n`)))(`retention: ${describeError(err)}`),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
