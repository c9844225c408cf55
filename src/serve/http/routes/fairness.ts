/**
 * @module serve/http/routes/fairness
 * `GET /v1/fairness`: the bias figures of the experiment reports on this server's served traffic
 * (serve/engine/exposure-monitor), per model version and A/B arm: average recommendation
 * popularity, popularity lift against the users' histories, exposure Gini, the top 1% items'
 * share, catalog coverage and the long-tail share. Read scope; it writes nothing.
 */
import { z } from '@hono/zod-openapi';
import { type App, route, type ServerContext } from '../context.js';

const Figures = z
  .object({
    model: z.string(),
    version: z.number().int().nullable(),
    arm: z.string().nullable(),
    served: z.number().int(),
    window: z.number().int(),
    averagePopularity: z.number(),
    popularityLift: z.number().nullable(),
    gini: z.number(),
    top1Share: z.number(),
    coverage: z.number(),
    longTailShare: z.number(),
  })
  .openapi('ExposureFigures');

export function fairnessRoutes(app: App, ctx: ServerContext): void {
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/fairness',
      tags: ['operator'],
      summary:
        "Popularity bias and exposure concentration of this server's served lists, per model version and A/B arm",
      responses: {
        200: {
          description: 'figures over the newest lists of each window',
          content: { 'application/json': { schema: z.object({ windows: z.array(Figures) }) } },
        },
      },
    }),
    async (c) => c.json({ windows: ctx.engine.exposureFigures() }, 200),
  );
}
