/**
 * @module serve/http/routes/experiments
 * A/B experiments: create, list, report (per-arm rates, intervals, significance, time series), stop.
 */

import { z } from '@hono/zod-openapi';
import { type App, route, type ServerContext } from '../context.js';
import { Experiment, ExperimentArm, IdParam } from '../schemas.js';
import { audit } from './audit.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const ArmReport = ExperimentArm.extend({
  impressions: z.number().int(),
  clicks: z.number().int(),
  conversions: z.number().int(),
  ctr: z.number(),
  ctrLow: z.number(),
  ctrHigh: z.number(),
  conversionRate: z.number(),
  convLow: z.number(),
  convHigh: z.number(),
});

const ExperimentReport = Experiment.extend({
  arms: z.array(ArmReport),
  significance: z.object({
    test: z.string(),
    pValue: z.number().nullable(),
    verdict: z.string(),
    winner: z.string().optional(),
    control: z.string().optional(),
  }),
  timeseries: z.array(
    z.object({
      t: z.number(),
      arm: z.string(),
      impressions: z.number(),
      clicks: z.number(),
      conversions: z.number(),
    }),
  ),
}).openapi('ExperimentReport');

export function experimentRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/experiments',
      tags: ['experiments'],
      summary: 'Start an A/B experiment between model versions (arms with traffic shares)',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ name: z.string().min(1), arms: z.array(ExperimentArm) }),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(Experiment, 'the experiment') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const e = await engine.createExperiment(b.name, b.arms);
      await audit(ctx, c, 'experiment.start', e.id, { name: e.name, arms: e.arms });
      return c.json(e, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/experiments',
      tags: ['experiments'],
      summary: 'Experiments',
      responses: { 200: json(z.object({ experiments: z.array(Experiment) }), 'experiments') },
    }),
    async (c) => c.json({ experiments: await engine.store.listExperiments() }, 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/experiments/{id}',
      tags: ['experiments'],
      summary: 'Per-arm impressions, clicks, conversions with Wilson intervals, significance, time series',
      request: {
        params: IdParam,
        query: z.object({
          bucket: z.coerce
            .number()
            .int()
            .min(1)
            .max(86400 * 31)
            .default(3600),
        }),
      },
      responses: { 200: json(ExperimentReport, 'the report') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { bucket } = c.req.valid('query');
      const r = await engine.experimentReport(id, bucket);
      const pValue = Number.isFinite(r.significance.pValue) ? r.significance.pValue : null;
      return c.json({ ...r, significance: { ...r.significance, pValue } }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/experiments/{id}/stop',
      tags: ['experiments'],
      summary: 'Stop an experiment (its users go back to the active model)',
      request: { params: IdParam },
      responses: { 200: json(Experiment, 'the experiment') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const e = await engine.stopExperiment(id);
      await audit(ctx, c, 'experiment.stop', e.id, { name: e.name });
      return c.json(e, 200);
    },
  );
}
