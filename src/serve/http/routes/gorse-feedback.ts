/**
 * @module serve/http/routes/gorse-feedback
 * The Gorse-compatible feedback reads (see ./gorse for inserting): a user's feedback (all, or of one
 * type), the feedback between a user and an item, and one typed feedback of a user on an item.
 * fusionrec keeps feedback as an event log read per user, so three Gorse features answer 501
 * `not_supported`, naming the feature: listing everyone's feedback (`GET /api/feedback`,
 * `GET /api/feedback/{type}` with cursors), an item's feedback (`GET /api/item/{id}/feedback…`),
 * and deleting single feedback (`DELETE /api/feedback/…`; deleting the user or the item deletes
 * theirs).
 */
import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import type { StoredFeedback } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';
import {
  CursorQuery,
  GorseFeedback,
  gorseFeedback,
  ItemParam,
  json,
  NotSupported,
  notSupported,
  UserParam,
} from './gorse-schemas.js';

/** The most feedback rows one read returns (newest first). */
const MAX_ROWS = 10000;

const param = (name: string) =>
  z
    .string()
    .min(1)
    .openapi({ param: { name, in: 'path' } });
const TypeParam = z.object({ type: param('type') });
const Feedbacks = z.array(GorseFeedback);

export function gorseFeedbackRoutes(app: App, ctx: ServerContext): void {
  const store = ctx.engine.store;

  /** A known user's feedback, newest first, optionally of one type and on one item. */
  const feedbackOf = async (user: string, o: { type?: string; item?: string } = {}) => {
    if (!(await store.getUser(user))) throw new NotFoundError(`unknown user "${user}"`);
    const rows: StoredFeedback[] = await store.userFeedback(user, {
      limit: MAX_ROWS,
      ...(o.type === undefined ? {} : { type: o.type }),
    });
    return rows.filter((f) => o.item === undefined || f.item === o.item).map(gorseFeedback);
  };

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/user/{userId}/feedback',
      tags: ['gorse'],
      summary: "A user's feedback, newest first",
      request: { params: UserParam },
      responses: { 200: json(Feedbacks, 'feedback') },
    }),
    async (c) => c.json(await feedbackOf(c.req.valid('param').userId), 200),
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/user/{userId}/feedback/{type}',
      tags: ['gorse'],
      summary: "A user's feedback of one type, newest first",
      request: { params: UserParam.merge(TypeParam) },
      responses: { 200: json(Feedbacks, 'feedback') },
    }),
    async (c) => {
      const p = c.req.valid('param');
      return c.json(await feedbackOf(p.userId, { type: p.type }), 200);
    },
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/feedback/{userId}/{itemId}',
      tags: ['gorse'],
      summary: 'The feedback between a user and an item, newest first',
      request: { params: UserParam.merge(ItemParam) },
      responses: { 200: json(Feedbacks, 'feedback') },
    }),
    async (c) => {
      const p = c.req.valid('param');
      return c.json(await feedbackOf(p.userId, { item: p.itemId }), 200);
    },
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/feedback/{type}/{userId}/{itemId}',
      tags: ['gorse'],
      summary: "A user's newest feedback of one type on an item (404 when there is none)",
      request: { params: TypeParam.merge(UserParam).merge(ItemParam) },
      responses: { 200: json(GorseFeedback, 'the feedback') },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const [newest] = await feedbackOf(p.userId, { type: p.type, item: p.itemId });
      if (!newest)
        throw new NotFoundError(`no ${p.type} feedback of user "${p.userId}" on item "${p.itemId}"`);
      return c.json(newest, 200);
    },
  );

  const everyone = 'listing all feedback';
  const everyoneInstead =
    "fusionrec reads feedback per user: GET /api/user/{id}/feedback (or fusionrec's /v1/users/{id}/feedback)";
  for (const path of ['/api/feedback', '/api/feedback/{type}'] as const) {
    app.openapi(
      route(ctx, 'read', {
        method: 'get',
        path,
        tags: ['gorse'],
        summary: `Not supported: ${everyone} (501)`,
        request: { query: CursorQuery, ...(path === '/api/feedback' ? {} : { params: TypeParam }) },
        responses: { 501: NotSupported },
      }),
      (c) => notSupported(c, everyone, everyoneInstead),
    );
  }
  for (const path of ['/api/item/{itemId}/feedback', '/api/item/{itemId}/feedback/{type}'] as const) {
    app.openapi(
      route(ctx, 'read', {
        method: 'get',
        path,
        tags: ['gorse'],
        summary: "Not supported: an item's feedback (501)",
        request: { params: path.endsWith('{type}') ? ItemParam.merge(TypeParam) : ItemParam },
        responses: { 501: NotSupported },
      }),
      (c) => notSupported(c, "reading an item's feedback", everyoneInstead),
    );
  }
  for (const path of ['/api/feedback/{userId}/{itemId}', '/api/feedback/{type}/{userId}/{itemId}'] as const) {
    app.openapi(
      route(ctx, 'write', {
        method: 'delete',
        path,
        tags: ['gorse'],
        summary: 'Not supported: deleting feedback (501)',
        request: {
          params: path.startsWith('/api/feedback/{type}')
            ? TypeParam.merge(UserParam).merge(ItemParam)
            : UserParam.merge(ItemParam),
        },
        responses: { 501: NotSupported },
      }),
      (c) =>
        notSupported(
          c,
          'deleting feedback',
          'feedback is an append-only event log here; deleting the user (DELETE /api/user/{id}) or the item deletes theirs',
        ),
    );
  }
}
