/**
 * @module serve/http/routes/models
 * Model versions, background training jobs, activation, and stored reports.
 */

import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import { type App, route, type ServerContext } from '../context.js';
import { redactPaths } from '../redact.js';
import { ErrorBody, Job, ModelVersion, ReportKind, ReportSummary, TrainBody } from '../schemas.js';
import { audit } from './audit.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const VersionParam = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: 'version', in: 'path' } }),
});
const JobParam = z.object({
  job: z
    .string()
    .min(1)
    .openapi({ param: { name: 'job', in: 'path' } }),
});
const ReportParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** A job as answered: its failure reason without server paths. */
function shown<J extends { error?: string | undefined }>(j: J): J {
  return j.error === undefined ? j : { ...j, error: redactPaths(j.error) };
}

export function modelRoutes(app: App, ctx: ServerContext): void {
  const { engine, jobs } = ctx;
  const store = engine.store;

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/models',
      tags: ['models'],
      summary: 'Model versions',
      responses: { 200: json(z.object({ versions: z.array(ModelVersion) }), 'versions') },
    }),
    async (c) => c.json({ versions: await store.listModelVersions() }, 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/models/{version}',
      tags: ['models'],
      summary: 'One version with its training report',
      request: { params: VersionParam },
      responses: {
        200: json(ModelVersion.extend({ report: z.record(z.string(), z.unknown()) }), 'the version'),
      },
    }),
    async (c) => {
      const { version } = c.req.valid('param');
      const v = await store.getModelVersion(version);
      if (!v) throw new NotFoundError(`unknown model version ${version}`);
      return c.json(v, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/models/train',
      tags: ['models'],
      summary:
        'Train a model in the background on the stored feedback; the request is checked first (400), the new version is activated only as `activate` says',
      request: { body: { content: { 'application/json': { schema: TrainBody } }, required: true } },
      responses: {
        202: json(z.object({ job: z.string() }), 'queued'),
        429: json(ErrorBody, 'too many training jobs queued'),
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const job = await jobs.submit({
        model: b.model,
        ...(b.params ? { params: b.params } : {}),
        ...(b.epochs !== undefined ? { epochs: b.epochs } : {}),
        ...(b.patience !== undefined ? { patience: b.patience } : {}),
        ...(b.positive ? { positive: b.positive } : {}),
        ...(b.seed !== undefined ? { seed: b.seed } : {}),
        ...(b.refit !== undefined ? { refit: b.refit } : {}),
        ...(b.tuneBudgetSeconds !== undefined ? { tuneBudgetSeconds: b.tuneBudgetSeconds } : {}),
        ...(b.activate !== undefined ? { activate: b.activate } : {}),
      });
      return c.json({ job: job.id }, 202);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/jobs/{job}',
      tags: ['models'],
      summary: 'A training job',
      request: { params: JobParam },
      responses: { 200: json(Job, 'the job') },
    }),
    async (c) => {
      const { job } = c.req.valid('param');
      const j = await jobs.get(job);
      if (!j) throw new NotFoundError(`unknown job "${job}"`);
      return c.json(shown(j), 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/jobs',
      tags: ['models'],
      summary: 'Training jobs since start-up',
      responses: { 200: json(z.object({ jobs: z.array(Job) }), 'jobs') },
    }),
    async (c) => c.json({ jobs: (await jobs.list()).map(shown) }, 200),
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/models/{version}/activate',
      tags: ['models'],
      summary: 'Serve this version (atomic swap)',
      request: { params: VersionParam },
      responses: { 200: json(z.object({ active: z.number().int() }), 'active') },
    }),
    async (c) => {
      const { version } = c.req.valid('param');
      const before = engine.active?.version ?? null;
      await engine.activate(version);
      await audit(ctx, c, 'model.activate', String(version), { before });
      return c.json({ active: version }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/reports',
      tags: ['reports'],
      summary: 'Stored experiment, ablation and tuning reports',
      responses: { 200: json(z.object({ reports: z.array(ReportSummary) }), 'reports') },
    }),
    async (c) => c.json({ reports: await store.listReports() }, 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/reports/{id}',
      tags: ['reports'],
      summary: 'One report (its body is e.g. `fusionrec experiment --json` output)',
      request: { params: ReportParam },
      responses: { 200: json(ReportSummary.extend({ body: z.unknown() }), 'the report') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const r = await store.getReport(id);
      if (!r) throw new NotFoundError(`unknown report "${id}"`);
      return c.json(r, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/reports',
      tags: ['reports'],
      summary: 'Store a report',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                kind: ReportKind,
                title: z.string().min(1),
                body: z.unknown(),
                id: z.string().min(1).optional(),
              }),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(ReportSummary, 'stored') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(
        await store.addReport({
          kind: b.kind,
          title: b.title,
          body: b.body ?? null,
          ...(b.id ? { id: b.id } : {}),
        }),
        200,
      );
    },
  );
}
