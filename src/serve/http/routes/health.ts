/**
 * @module serve/http/routes/health
 * Liveness, readiness and the status summary.
 */
import { z } from '@hono/zod-openapi';
import { type App, route, type ServerContext } from '../context.js';
import { redactPaths } from '../redact.js';
import { ModelRef } from '../schemas.js';

export function healthRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  app.openapi(
    route(ctx, 'public', {
      method: 'get',
      path: '/v1/health/live',
      tags: ['health'],
      summary: 'The process is up',
      responses: {
        200: {
          description: 'alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
        },
      },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  const Ready = z.object({
    status: z.enum(['ok', 'not ready']),
    store: z.boolean(),
    bus: z.object({ url: z.string(), connected: z.boolean(), error: z.string().optional() }),
    model: ModelRef,
    modelError: z.string().optional(),
  });
  app.openapi(
    route(ctx, 'public', {
      method: 'get',
      path: '/v1/health/ready',
      tags: ['health'],
      summary: 'The store answers (the server answers even without a model: fallbacks)',
      responses: {
        200: { description: 'ready', content: { 'application/json': { schema: Ready } } },
        503: { description: 'not ready', content: { 'application/json': { schema: Ready } } },
      },
    }),
    async (c) => {
      let store = true;
      try {
        await engine.store.getMeta('ping');
      } catch {
        store = false;
      }
      const snap = engine.active;
      const bus = ctx.bus?.health() ?? { connected: true, error: null };
      const body = {
        status: store ? ('ok' as const) : ('not ready' as const),
        store,
        // a bus outage degrades cross-server latency (followers poll), not correctness: still ready
        bus: {
          url: ctx.bus?.url ?? 'local',
          connected: bus.connected,
          ...(bus.error ? { error: bus.error } : {}),
        },
        model: snap ? { name: snap.name, version: snap.version } : null,
        ...(engine.modelError ? { modelError: redactPaths(engine.modelError) } : {}),
      };
      return store ? c.json(body, 200) : c.json(body, 503);
    },
  );

  const Status = z
    .object({
      model: ModelRef,
      items: z.number().int(),
      users: z.number().int(),
      feedback: z.number().int(),
      feedbackPerMinute: z.number(),
      index: z
        .object({ kind: z.enum(['hnsw', 'brute']), size: z.number().int(), dim: z.number().int() })
        .nullable(),
      auth: z.object({ writeKeyRequired: z.boolean(), readKeyRequired: z.boolean() }),
      encoders: z.record(z.string(), z.string()),
      experiments: z.number().int(),
      startedAt: z.string(),
      uptimeSeconds: z.number(),
      modelError: z.string().optional(),
      jobs: z.object({ running: z.number().int(), queued: z.number().int() }),
      stream: z
        .object({
          stream: z.string(),
          group: z.string(),
          events: z.number().int(),
          pending: z.number().int(),
          undelivered: z.number().int(),
          seconds: z.number(),
          consumers: z.number().int(),
        })
        .optional()
        .openapi({
          description: 'the ingestion stream (servers with a Redis cache, once it exists): its lag',
        }),
    })
    .openapi('Status');
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/status',
      tags: ['health'],
      summary: 'Model, catalog size, live feedback rate (posted in the last minute), index, auth',
      responses: { 200: { description: 'status', content: { 'application/json': { schema: Status } } } },
    }),
    async (c) => {
      const s = await engine.status();
      const jobs = await ctx.jobs.list();
      const lag = await ctx.streamLag?.read();
      return c.json(
        {
          ...s,
          ...(s.modelError ? { modelError: redactPaths(s.modelError) } : {}),
          // live traffic only: feedback posted to this server in the last 60 s, not imported history
          ...(ctx.liveFeedback ? { feedbackPerMinute: ctx.liveFeedback.perMinute() } : {}),
          auth: {
            writeKeyRequired: ctx.keys.apiKey !== undefined,
            readKeyRequired: ctx.keys.readKey !== undefined,
          },
          jobs: {
            running: jobs.filter((j) => j.status === 'running').length,
            queued: jobs.filter((j) => j.status === 'queued').length,
          },
          ...(lag
            ? {
                stream: {
                  stream: lag.stream,
                  group: lag.group,
                  events: lag.events,
                  pending: lag.pending,
                  undelivered: lag.undelivered,
                  seconds: lag.seconds,
                  consumers: lag.consumers,
                },
              }
            : {}),
        },
        200,
      );
    },
  );
}
