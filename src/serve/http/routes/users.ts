/**
 * @module serve/http/routes/users
 * Users and feedback, and users' data: export (the right of access), deletion, opt-out of
 * personalisation (feedback of opted-out users is not stored: `ignored` counts it).
 */
import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import type { StoredFeedback } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';
import { isoOf, itemJson, secondsOf, userFromInput } from '../convert.js';
import { isOperator } from '../operator.js';
import { FeedbackInput, Id, IdParam, Item, Limit, Offset, User, UserInput } from '../schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function userRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/users',
      tags: ['users'],
      summary: 'Insert or replace users (all-or-nothing)',
      request: { body: { content: { 'application/json': { schema: z.array(UserInput) } }, required: true } },
      responses: { 200: json(z.object({ inserted: z.number().int(), updated: z.number().int() }), 'counts') },
    }),
    async (c) => c.json(await engine.upsertUsers(c.req.valid('json').map(userFromInput)), 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/users',
      tags: ['users'],
      summary: 'List users with their feedback counts',
      request: { query: z.object({ offset: Offset, limit: Limit }) },
      responses: {
        200: json(z.object({ users: z.array(User), total: z.number().int() }), 'a page of users'),
      },
    }),
    async (c) => c.json(await store.listUsers(c.req.valid('query')), 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/users/{id}',
      tags: ['users'],
      summary: 'One user',
      request: { params: IdParam },
      responses: { 200: json(User, 'the user') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const u = await store.getUser(id);
      if (!u) throw new NotFoundError(`unknown user "${id}"`);
      return c.json(u, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'delete',
      path: '/v1/users/{id}',
      tags: ['users'],
      summary: 'Delete a user with their feedback, vectors, impressions and request logs',
      request: { params: IdParam },
      responses: { 200: json(z.object({ deleted: z.string() }), 'deleted') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await engine.deleteUser(id);
      return c.json({ deleted: id }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'get',
      path: '/v1/users/{id}/export',
      tags: ['users'],
      summary:
        'Everything stored about a user (the right of access): profile, opt-out, feedback, vectors, model rows, impressions, attributed events, request logs',
      description:
        "Needs the write (admin) key: the export holds the user's whole history. Request logs stored under the user's pseudonym are included.",
      request: { params: IdParam },
      responses: {
        200: json(
          z
            .object({
              user: z.object({ id: z.string() }).passthrough(),
              optedOut: z.boolean(),
              feedback: z.array(z.record(z.string(), z.unknown())),
              vectors: z.array(z.object({ version: z.number().int(), vector: z.array(z.number()) })),
              modelRows: z.array(z.object({ version: z.number().int(), row: z.number().int() })),
              impressions: z.array(z.record(z.string(), z.unknown())),
              attributed: z.array(z.record(z.string(), z.unknown())),
              requestLogs: z.array(z.record(z.string(), z.unknown())),
              exportedAt: z.string(),
            })
            .openapi('UserExport'),
          'the export',
        ),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const data = await engine.exportUser(id);
      return c.json({ ...data, exportedAt: new Date().toISOString() }, 200);
    },
  );

  for (const [path, out] of [
    ['opt-out', true],
    ['opt-in', false],
  ] as const) {
    app.openapi(
      route(ctx, 'write', {
        method: 'post',
        path: `/v1/users/{id}/${path}`,
        tags: ['users'],
        summary: out
          ? 'Opt a user out of personalisation: served the non-personalised list, no feedback, impressions or user id in request logs stored'
          : 'Opt a user back into personalisation',
        request: { params: IdParam },
        responses: { 200: json(z.object({ user: z.string(), optedOut: z.boolean() }), 'the choice') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        await engine.setOptOut(id, out);
        return c.json({ user: id, optedOut: out }, 200);
      },
    );
  }

  const FeedbackRow = z.object({
    item: Item,
    type: z.string(),
    value: z.number(),
    timestamp: z.string().optional(),
  });
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/users/{id}/feedback',
      tags: ['users'],
      summary: "A user's feedback, newest first",
      request: {
        params: IdParam,
        query: z.object({
          type: Id.optional(),
          limit: z.coerce.number().int().min(1).max(10000).default(100),
        }),
      },
      responses: { 200: json(z.object({ feedback: z.array(FeedbackRow) }), 'feedback') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      if (!(await store.getUser(id))) throw new NotFoundError(`unknown user "${id}"`);
      const rows = await store.userFeedback(id, { limit: q.limit, ...(q.type ? { type: q.type } : {}) });
      const items = await store.getItems(rows.map((r) => r.item));
      const feedback = rows.flatMap((r) => {
        const it = items.get(r.item);
        if (!it) return [];
        const ts = isoOf(r.timestamp);
        return [{ item: itemJson(it), type: r.type, value: r.value, ...(ts ? { timestamp: ts } : {}) }];
      });
      return c.json({ feedback }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/feedback',
      tags: ['feedback'],
      summary:
        "Insert feedback (unknown users are created; an unknown item is a 404); updates the users' vectors at once",
      description:
        'With the header `X-Fusionrec-Operator: 1` (the dashboard sends it) the feedback is stored and folded in, but not attributed to A/B impressions nor counted in the live feedback rate.',
      request: {
        body: { content: { 'application/json': { schema: z.array(FeedbackInput) } }, required: true },
      },
      responses: {
        200: json(
          z.object({ inserted: z.number().int(), ignored: z.number().int().optional() }),
          'inserted (ignored: rows of opted-out users, not stored)',
        ),
      },
    }),
    async (c) => {
      const now = Date.now() / 1000;
      const rows: StoredFeedback[] = c.req.valid('json').map((f, k) => ({
        user: f.user,
        item: f.item,
        type: f.type,
        value: f.value ?? 1,
        timestamp: secondsOf(f.timestamp, `[${k}].timestamp`, now),
      }));
      return c.json(await engine.addFeedback(rows, { operator: isOperator(c) }), 200);
    },
  );
}
