/**
 * @module serve/http/context
 * What every route module receives: the engine, the training jobs, the API keys, the metrics, and
 * a helper that builds an OpenAPI route with its access rule (the X-API-Key check runs as the
 * route's middleware, and the route is marked as needing a key in the OpenAPI document).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Bus } from '../../bus/types.js';
import type { Engine } from '../engine/engine.js';
import type { LiveRate } from '../engine/live-rate.js';
import type { StreamLagReader } from '../stream/lag.js';
import type { TrainJobs } from '../worker/jobs-api.js';
import { type Access, type AuthKeys, requireKey } from './auth.js';
import { jsonDepthGuard } from './guards.js';
import type { ServerMetrics } from './metrics.js';
import { ErrorBody } from './schemas.js';

export interface ServerContext {
  engine: Engine;
  /** In-process (serve/train/jobs) or through the store's job queue (serve/worker/queue-jobs). */
  jobs: TrainJobs;
  keys: AuthKeys;
  metrics: ServerMetrics;
  /** The change bus (its health is part of readiness); absent in apps built without a server. */
  bus?: Bus;
  /** Feedback that arrived through this server's API in the last minute (the status feedback rate). */
  liveFeedback?: LiveRate;
  /** The ingestion stream's lag, read from Redis (servers with a Redis cache). */
  streamLag?: StreamLagReader;
}

export type App = OpenAPIHono;

const errors = {
  400: {
    description: 'Invalid input (the field and what was expected)',
    content: { 'application/json': { schema: ErrorBody } },
  },
  401: { description: 'Missing or wrong X-API-Key', content: { 'application/json': { schema: ErrorBody } } },
  404: { description: 'Unknown id', content: { 'application/json': { schema: ErrorBody } } },
} as const;

/** createRoute with the access check as middleware and the error responses documented. */
export function route<const R extends Parameters<typeof createRoute>[0]>(
  ctx: ServerContext,
  access: Access,
  r: R,
) {
  return createRoute({
    ...r,
    // the key first (an anonymous body is never read), then the JSON depth (before validation)
    middleware: [requireKey(ctx.keys, access), jsonDepthGuard()] as const,
    ...(access === 'public' ? {} : { security: [{ ApiKey: [] }] }),
    responses: { ...errors, ...r.responses },
  });
}
