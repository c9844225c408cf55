/**
 * @module serve/engine/experiments
 * A/B experiments at serving time: the running experiments (arms = model versions with traffic
 * shares), the deterministic arm of a user (hash bucketing, serve/ab/bucket), an impression per
 * list served to an arm, attribution of later clicks and conversions to the newest impression that
 * showed the item to that user within a window (last touch), and the per-arm report (Wilson intervals and a
 * significance test from serve/ab/stats, plus a time series).
 */
import { randomUUID } from 'node:crypto';
import { InvalidRequestError, NotFoundError } from '../../errors.js';
import type {
  ArmBucket,
  AttributedEvent,
  ExperimentArm,
  ExperimentRecord,
  Store,
  StoredFeedback,
} from '../../store/types.js';
import { assignArm } from '../ab/bucket.js';
import { type ArmSummary, summarizeExperiment } from '../ab/stats.js';

/** Which feedback types count as clicks and as conversions. */
export interface AttributionOptions {
  clickTypes: readonly string[];
  conversionTypes: readonly string[];
  /** How long after an impression a click or conversion is attributed to it (seconds, default 1 day). */
  windowSeconds?: number;
}

/** The report of one experiment (see docs/API.md). */
export interface ExperimentReport extends ExperimentRecord {
  arms: (ExperimentArm & ArmSummary)[];
  significance: ReturnType<typeof summarizeExperiment>['significance'];
  timeseries: ArmBucket[];
}

/** Checks an experiment's arms: at least two, unique names, positive shares (they are normalised). */
export function validateArms(arms: readonly ExperimentArm[]): void {
  const at = (k: number, f: string) => `arms[${k}].${f}`;
  if (arms.length < 2) {
    throw new InvalidRequestError('arms', `expected at least 2 arms, got ${arms.length}`);
  }
  const names = new Set<string>();
  arms.forEach((a, k) => {
    if (a.name === '') throw new InvalidRequestError(at(k, 'name'), 'expected a non-empty arm name');
    if (names.has(a.name))
      throw new InvalidRequestError(at(k, 'name'), `expected unique arm names, got "${a.name}" twice`);
    names.add(a.name);
    if (!(a.share > 0) || !Number.isFinite(a.share)) {
      throw new InvalidRequestError(at(k, 'share'), `expected a share > 0, got ${a.share}`);
    }
  });
}

export class ExperimentManager {
  private running: ExperimentRecord[] = [];
  private readonly window: number;

  constructor(
    private readonly store: Store,
    private readonly attribution: AttributionOptions,
  ) {
    this.window = attribution.windowSeconds ?? 86400;
  }

  /** Reloads the running experiments from the store. */
  async refresh(): Promise<ExperimentRecord[]> {
    this.running = (await this.store.listExperiments()).filter((e) => e.status === 'running');
    return this.running;
  }

  /** The running experiments, newest last. */
  get active(): readonly ExperimentRecord[] {
    return this.running;
  }

  /**
   * The experiment and arm that serve `user`: the newest running experiment decides (one user is in
   * at most one experiment at a time, so arms never mix).
   */
  armOf(user: string): { experiment: ExperimentRecord; arm: ExperimentArm } | undefined {
    const e = this.running[this.running.length - 1];
    if (!e) return undefined;
    const name = assignArm(e.id, user, e.arms);
    const arm = e.arms.find((a) => a.name === name);
    return arm ? { experiment: e, arm } : undefined;
  }

  /** Logs an impression and returns its id. */
  logImpression(user: string, items: readonly string[], where?: { experiment: string; arm: string }): string {
    const id = randomUUID();
    void this.store.addImpression({
      id,
      user,
      items: [...items],
      time: Date.now() / 1000,
      ...(where ? { experiment: where.experiment, arm: where.arm } : {}),
    });
    return id;
  }

  /** Attributes clicks/conversions among `rows` to the impressions that showed the item to the user. */
  async attribute(rows: readonly StoredFeedback[]): Promise<number> {
    const { clickTypes, conversionTypes } = this.attribution;
    const relevant = rows.filter((f) => clickTypes.includes(f.type) || conversionTypes.includes(f.type));
    if (relevant.length === 0) return 0;
    const now = Date.now() / 1000;
    const events: AttributedEvent[] = [];
    const byUser = new Map<string, StoredFeedback[]>();
    for (const f of relevant) {
      const list = byUser.get(f.user) ?? [];
      list.push(f);
      byUser.set(f.user, list);
    }
    for (const [user, list] of byUser) {
      const imps = await this.store.recentImpressions(user, now - this.window);
      for (const f of list) {
        const kind = clickTypes.includes(f.type) ? 'click' : 'conversion';
        // last touch: the newest impression of each experiment that showed the item
        const credited = new Set<string>();
        for (const imp of imps) {
          if (!imp.experiment || !imp.arm || credited.has(imp.experiment) || !imp.items.includes(f.item))
            continue;
          credited.add(imp.experiment);
          events.push({
            impression: imp.id,
            experiment: imp.experiment,
            arm: imp.arm,
            user,
            item: f.item,
            kind,
            time: now,
          });
        }
      }
    }
    await this.store.addAttributedEvents(events);
    return events.length;
  }

  /** The report of one experiment (per-arm rates with intervals, significance, time series). */
  async report(idOrName: string, bucketSeconds = 3600): Promise<ExperimentReport> {
    const e = await this.store.getExperiment(idOrName);
    if (!e) throw new NotFoundError(`unknown experiment "${idOrName}"`);
    const counts = await this.store.experimentCounts(e.id);
    const get = (name: string) =>
      counts.find((c) => c.arm === name) ?? { impressions: 0, clicks: 0, conversions: 0 };
    const summary = summarizeExperiment(
      e.arms.map((a) => ({ name: a.name, ...pick(get(a.name)) })),
      {},
    );
    const arms = e.arms.map((a, k) => {
      const s = summary.arms[k]!;
      return {
        ...a,
        impressions: s.impressions,
        clicks: s.clicks,
        conversions: s.conversions,
        ctr: s.ctr,
        ctrLow: s.ctrLow,
        ctrHigh: s.ctrHigh,
        conversionRate: s.conversionRate,
        convLow: s.convLow,
        convHigh: s.convHigh,
      };
    });
    return {
      ...e,
      arms,
      significance: summary.significance,
      timeseries: await this.store.experimentTimeseries(e.id, bucketSeconds),
    };
  }
}

function pick(c: { impressions: number; clicks: number; conversions: number }) {
  return { impressions: c.impressions, clicks: c.clicks, conversions: c.conversions };
}
