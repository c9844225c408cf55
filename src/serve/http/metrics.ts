/**
 * @module serve/http/metrics
 * Prometheus metrics of one server (its own prom-client registry, so several servers in one
 * process do not collide): request counts and a latency histogram per route, feedback events per
 * type, fold-in latency, the served model version, catalog size, the ingestion stream's lag (when
 * the server has a Redis cache: read from Redis at scrape time), and the process metrics. Every
 * label value fed by requests is bounded (./labels): routes are patterns, methods and feedback
 * types fall back to "other", so /metrics cannot grow without bound.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineEvent } from '../engine/engine.js';
import { BoundedLabel, methodLabel } from './labels.js';

/** Feedback types that always get their own series (common Gorse/fusionrec types). */
export const COMMON_FEEDBACK_TYPES = [
  'click',
  'view',
  'read',
  'like',
  'dislike',
  'star',
  'share',
  'comment',
  'rating',
  'play',
  'cart',
  'purchase',
] as const;

/** How many other distinct feedback types get a series before the rest count as "other". */
export const MAX_EXTRA_FEEDBACK_TYPES = 32;

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly feedback: Counter<'type'>;
  readonly foldIn: Histogram;
  readonly modelVersion: Gauge<'model'>;
  readonly items: Gauge;
  /** The feedback type label: known types, then the first few seen, then "other". */
  readonly feedbackType: BoundedLabel;

  constructor(
    options: {
      processMetrics?: boolean;
      items?: () => number;
      /** Feedback types with a series of their own (positive rules', click and conversion types). */
      feedbackTypes?: readonly string[];
      /** The ingestion stream's lag (serve/stream/lag); undefined when unknown (Redis not answering). */
      streamLag?: () => Promise<{ events: number; seconds: number } | undefined>;
    } = {},
  ) {
    const registers = [this.registry];
    this.feedbackType = new BoundedLabel(
      [...COMMON_FEEDBACK_TYPES, ...(options.feedbackTypes ?? [])],
      MAX_EXTRA_FEEDBACK_TYPES,
    );
    this.requests = new Counter({
      name: 'fusionrec_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'fusionrec_http_request_duration_seconds',
      help: 'HTTP request latency by method and route',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.feedback = new Counter({
      name: 'fusionrec_feedback_events_total',
      help: 'Feedback events taken in, by type',
      labelNames: ['type'],
      registers,
    });
    this.foldIn = new Histogram({
      name: 'fusionrec_fold_in_seconds',
      help: 'Time to re-solve one user vector (fold-in)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01],
      registers,
    });
    this.modelVersion = new Gauge({
      name: 'fusionrec_model_version',
      help: 'The served model version (0: none, fallbacks answer)',
      labelNames: ['model'],
      registers,
    });
    const itemsOf = options.items;
    this.items = new Gauge({
      name: 'fusionrec_items',
      help: 'Live catalog items',
      registers,
      collect() {
        if (itemsOf) this.set(itemsOf());
      },
    });
    const lagOf = options.streamLag;
    if (lagOf) {
      new Gauge({
        name: 'fusionrec_stream_lag_events',
        help: 'Stream entries not acknowledged by the ingestion workers yet (pending + undelivered; NaN: Redis not answering)',
        registers,
        async collect() {
          this.set((await lagOf())?.events ?? Number.NaN);
        },
      });
      new Gauge({
        name: 'fusionrec_stream_lag_seconds',
        help: 'Age of the oldest stream entry not acknowledged by the ingestion workers (0: none)',
        registers,
        async collect() {
          this.set((await lagOf())?.seconds ?? Number.NaN);
        },
      });
    }
    this.modelVersion.set({ model: 'none' }, 0);
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'fusionrec_' });
  }

  /** Counts one answered request (method and route bounded: the route is the matched pattern). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const m = methodLabel(method);
    this.requests.inc({ method: m, route, status: String(status) });
    this.latency.observe({ method: m, route }, seconds);
  }

  /** Updates the engine-side metrics from an engine event. */
  onEngineEvent(e: EngineEvent): void {
    if (e.kind === 'feedback')
      for (const f of e.rows) this.feedback.inc({ type: this.feedbackType.of(f.type) });
    else if (e.kind === 'fold-in') this.foldIn.observe(e.seconds);
    else {
      this.modelVersion.reset();
      this.modelVersion.set({ model: e.name }, e.version);
    }
  }
}
