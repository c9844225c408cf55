/**
 * @module serve/http/context
 * What every route module receives: the engine, the training jobs, the API keys, the metrics, and
 * a helper that builds an OpenAPI route with its access rule (the X-API-Key check runs as the
 * route's middleware, and the route is marked as needing a key in the OpenAPI document).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Engine } from '../engine/engine.js';
import type { JobRunner } from '../train/jobs.js';
import { type Access, type AuthKeys, requireKey } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import { ErrorBody } from './schemas.js';

export interface ServerContext {
  engine: Engine;
  jobs: JobRunner;
  keys: AuthKeys;
  metrics: ServerMetrics;
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
    middleware: [requireKey(ctx.keys, access)] as const,
    ...(access === 'public' ? {} : { security: [{ ApiKey: [] }] }),
    responses: { ...errors, ...r.responses },
  });
}
