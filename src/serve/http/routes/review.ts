/**
 * @module serve/http/routes/review
 * The review queue of newly imported items and the operator's settings. With the setting
 * `reviewNewItems` on, items new to the catalog that arrive through the API (`POST /v1/items`,
 * Gorse's item inserts) are stored hidden and queued; `approve` unhides one, `reject` keeps it
 * hidden. `/v1/settings` also holds the retention age (see serve/retention.ts). Reads need the
 * read key, decisions and settings the write key; decisions and settings are audited.
 */

import { z } from '@hono/zod-openapi';
import { InvalidRequestError } from '../../../errors.js';
import { rerankPipeline } from '../../../rerank/pipeline.js';
import { SETTINGS } from '../../engine/operator-state.js';
import { type App, route, type ServerContext } from '../context.js';
import { IdParam } from '../schemas.js';
import { actorOf, audit } from './audit.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const Review = z
  .object({
    item: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    createdAt: z.string(),
    decidedAt: z.string().optional(),
    decidedBy: z.string().optional(),
  })
  .openapi('ReviewRecord');

const Settings = z
  .object({
    reviewNewItems: z.boolean(),
    retentionDays: z.number().min(0).max(36_500),
    retentionMode: z.enum(['aggregate', 'delete']),
    rerank: z
      .string()
      .max(200)
      .openapi({ description: 're-ranking applied to every list (src/rerank spec; "" or none: off)' }),
  })
  .openapi('OperatorSettings');

export function reviewRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  const settings = async () => ({
    reviewNewItems: (await store.getMeta<boolean>(SETTINGS.review)) === true,
    retentionDays: (await store.getMeta<number>(SETTINGS.retentionDays)) ?? 0,
    retentionMode: (await store.getMeta<'aggregate' | 'delete'>(SETTINGS.retentionMode)) ?? 'aggregate',
    rerank: (await store.getMeta<string>(SETTINGS.rerank)) ?? '',
  });

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/settings',
      tags: ['operator'],
      summary: "The operator's settings: review queue, retention",
      responses: { 200: json(Settings, 'settings') },
    }),
    async (c) => c.json(await settings(), 200),
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'put',
      path: '/v1/settings',
      tags: ['operator'],
      summary: "Changes the operator's settings (absent fields unchanged)",
      request: {
        body: { content: { 'application/json': { schema: Settings.partial().strict() } }, required: true },
      },
      responses: { 200: json(Settings, 'settings') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const before = await settings();
      if (b.reviewNewItems !== undefined) await store.setMeta(SETTINGS.review, b.reviewNewItems);
      if (b.retentionDays !== undefined) await store.setMeta(SETTINGS.retentionDays, b.retentionDays);
      if (b.retentionMode !== undefined) await store.setMeta(SETTINGS.retentionMode, b.retentionMode);
      if (b.rerank !== undefined) {
        try {
          rerankPipeline(b.rerank); // refuse a bad spec before storing it
        } catch (err) {
          throw new InvalidRequestError('rerank', (err as Error).message, { cause: err });
        }
        await store.setMeta(SETTINGS.rerank, b.rerank);
        await engine.operator.refreshSettings();
      }
      const after = await settings();
      await audit(ctx, c, 'settings.change', 'settings', { before, after });
      return c.json(after, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/review',
      tags: ['operator'],
      summary: 'Items waiting for review (or of another status), oldest first',
      request: {
        query: z.object({
          status: z.enum(['pending', 'approved', 'rejected']).default('pending'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(Review) }), 'review records') },
    }),
    async (c) => c.json({ items: await store.listReview(c.req.valid('query')) }, 200),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.openapi(
      route(ctx, 'write', {
        method: 'post',
        path: `/v1/review/{id}/${decision}`,
        tags: ['operator'],
        summary:
          decision === 'approve'
            ? 'Approve a queued item: it becomes servable'
            : 'Reject a queued item: it stays hidden',
        request: { params: IdParam },
        responses: { 200: json(Review, 'the decision') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const status = decision === 'approve' ? 'approved' : 'rejected';
        const r = await store.decideReview(id, status, actorOf(ctx, c));
        if (status === 'approved') await engine.patchItem(id, { hidden: false });
        await audit(ctx, c, `review.${decision}`, id);
        return c.json(r, 200);
      },
    );
  }
}
