/**
 * @module serve/http/routes/gorse
 * A Gorse-compatible subset under /api/, with Gorse's JSON field names (ItemId, UserId,
 * FeedbackType, Timestamp, Labels, Categories, IsHidden, Comment) and shapes (`{"RowAffected": n}`,
 * recommendations as a list of ids, neighbours and popular/latest as `[{"Id", "Score"}]`), so that
 * existing Gorse clients work against fusionrec (tested with gorsejs, Gorse's JavaScript client).
 * Everything goes through the same engine as /v1. This module: health, insert/get/delete of items
 * and users, feedback inserts, recommend (with write-back), popular/latest, neighbours and session
 * recommend, each with Gorse's category path variant; ./gorse-data has item/user pages, updates and
 * categories and user neighbours; ./gorse-feedback has the feedback reads and the 501s.
 */
import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { InvalidRequestError, NotFoundError } from '../../../errors.js';
import type { StoredFeedback } from '../../../store/types.js';
import { allowed } from '../auth.js';
import { type App, route, type ServerContext } from '../context.js';
import { secondsOf } from '../convert.js';
import { Id } from '../schemas.js';
import { gorseDataRoutes } from './gorse-data.js';
import { gorseFeedbackRoutes } from './gorse-feedback.js';
import {
  CategoryParam,
  GorseFeedback,
  GorseItem,
  GorseSessionFeedback,
  GorseUser,
  gorseItem,
  gorseUser,
  Health,
  ItemParam,
  itemOf,
  json,
  Page,
  Scores,
  Success,
  UserParam,
  userOf,
} from './gorse-schemas.js';

/** The longest write-back delay accepted (one year): a delay only shifts the written timestamps. */
export const MAX_WRITE_BACK_DELAY_SECONDS = 366 * 24 * 3600;

/** Seconds of a Go-style duration ("1h30m", "10m", "45s"); 0 when absent; at most one year. */
export function delaySeconds(text: string | undefined): number {
  if (!text) return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(re)) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3600 : m[2] === 'm' ? v * 60 : m[2] === 's' ? v : v / 1000;
    matched += m[0];
  }
  if (matched !== text || text.length > 40) {
    throw new InvalidRequestError(
      'write-back-delay',
      `expected a duration such as 10m or 1h30m, got "${text.slice(0, 40)}"`,
    );
  }
  if (!Number.isFinite(total) || total > MAX_WRITE_BACK_DELAY_SECONDS) {
    throw new InvalidRequestError(
      'write-back-delay',
      `expected a duration of at most ${MAX_WRITE_BACK_DELAY_SECONDS / 3600}h, got "${text}"`,
    );
  }
  return total;
}

export function gorseRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  for (const which of ['live', 'ready'] as const) {
    app.openapi(
      route(ctx, 'public', {
        method: 'get',
        path: `/api/health/${which}`,
        tags: ['gorse'],
        summary: `Gorse health (${which})`,
        responses: { 200: json(Health, 'health'), 503: json(Health, 'not ready') },
      }),
      async (c) => {
        let error: string | null = null;
        try {
          await store.getMeta('ping');
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
        const cache = ctx.bus?.health() ?? { connected: true, error: null };
        const body = {
          Ready: error === null,
          DataStoreConnected: error === null,
          CacheStoreConnected: cache.connected,
          DataStoreError: error,
          CacheStoreError: cache.error,
        };
        return error === null ? c.json(body, 200) : c.json(body, 503);
      },
    );
  }

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/api/item',
      tags: ['gorse'],
      summary: 'Insert an item (overwrites)',
      request: { body: { content: { 'application/json': { schema: GorseItem } }, required: true } },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      await engine.upsertItems([itemOf(c.req.valid('json'), '', Date.now() / 1000)]);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/api/items',
      tags: ['gorse'],
      summary: 'Insert items (overwrites)',
      request: { body: { content: { 'application/json': { schema: z.array(GorseItem) } }, required: true } },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      const now = Date.now() / 1000;
      const items = c.req.valid('json').map((x, k) => itemOf(x, `[${k}].`, now));
      await engine.upsertItems(items);
      return c.json({ RowAffected: items.length }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/item/{itemId}',
      tags: ['gorse'],
      summary: 'Get an item',
      request: { params: ItemParam },
      responses: { 200: json(GorseItem, 'the item') },
    }),
    async (c) => {
      const { itemId } = c.req.valid('param');
      const it = await store.getItem(itemId);
      if (!it) throw new NotFoundError(`unknown item "${itemId}"`);
      return c.json(gorseItem(it), 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'delete',
      path: '/api/item/{itemId}',
      tags: ['gorse'],
      summary: 'Delete an item and its feedback',
      request: { params: ItemParam },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      await engine.deleteItem(c.req.valid('param').itemId);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/api/user',
      tags: ['gorse'],
      summary: 'Insert a user',
      request: { body: { content: { 'application/json': { schema: GorseUser } }, required: true } },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      await engine.upsertUsers([userOf(c.req.valid('json'))]);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/api/users',
      tags: ['gorse'],
      summary: 'Insert users',
      request: { body: { content: { 'application/json': { schema: z.array(GorseUser) } }, required: true } },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      const users = c.req.valid('json').map(userOf);
      await engine.upsertUsers(users);
      return c.json({ RowAffected: users.length }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/user/{userId}',
      tags: ['gorse'],
      summary: 'Get a user',
      request: { params: UserParam },
      responses: { 200: json(GorseUser, 'the user') },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const u = await store.getUser(userId);
      if (!u) throw new NotFoundError(`unknown user "${userId}"`);
      return c.json(gorseUser(u), 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'delete',
      path: '/api/user/{userId}',
      tags: ['gorse'],
      summary: 'Delete a user and their feedback',
      request: { params: UserParam },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      await engine.deleteUser(c.req.valid('param').userId);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  for (const method of ['post', 'put'] as const) {
    app.openapi(
      route(ctx, 'write', {
        method,
        path: '/api/feedback',
        tags: ['gorse'],
        summary: 'Insert feedback',
        request: {
          body: { content: { 'application/json': { schema: z.array(GorseFeedback) } }, required: true },
        },
        responses: { 200: json(Success, 'done') },
      }),
      async (c) => {
        const now = Date.now() / 1000;
        const rows: StoredFeedback[] = c.req.valid('json').map((f, k) => ({
          user: f.UserId,
          item: f.ItemId,
          type: f.FeedbackType,
          value: f.Value ?? 1,
          timestamp: secondsOf(f.Timestamp, `[${k}].Timestamp`, now),
        }));
        const r = await engine.addFeedback(rows);
        return c.json({ RowAffected: r.inserted }, 200);
      },
    );
  }

  const WriteBack = {
    'write-back-type': z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'insert this feedback type for the returned items' }),
    'write-back-delay': z
      .string()
      .optional()
      .openapi({ description: 'delay of the written-back timestamps, e.g. 10m, 1h30m' }),
  };
  const RecommendQuery = Page.extend({ category: Id.optional(), ...WriteBack });
  type RecQuery = { n: number; offset: number; category?: string | undefined } & {
    'write-back-type'?: string | undefined;
    'write-back-delay'?: string | undefined;
  };
  /**
   * Gorse's recommend: ids; with write-back-type, feedback of that type is inserted for them.
   * The route reads; the write-back writes, so it needs the write key (checked before anything
   * is computed, 401 otherwise), and its delay is bounded.
   */
  const recommend = async (user: string, q: RecQuery, key: string | undefined): Promise<string[]> => {
    const type = q['write-back-type'];
    const delay = type ? delaySeconds(q['write-back-delay']) : 0;
    if (type && !allowed(ctx.keys, 'write', key)) {
      throw new HTTPException(401, {
        message: 'write-back-type inserts feedback, so it needs the write API key in the X-API-Key header',
      });
    }
    const ids = (
      await engine.recommendRuled(user, { n: q.n, offset: q.offset, category: q.category, excludeSeen: true })
    ).items.map((i) => i.id);
    if (type && ids.length > 0) {
      const at = Date.now() / 1000 + delay;
      await engine.addFeedback(ids.map((item) => ({ user, item, type, value: 1, timestamp: at })));
    }
    return ids;
  };
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/recommend/{userId}',
      tags: ['gorse'],
      summary: 'Recommendations for a user: a list of item ids',
      request: { params: UserParam, query: RecommendQuery },
      responses: { 200: json(z.array(z.string()), 'item ids') },
    }),
    async (c) => {
      const ids = await recommend(
        c.req.valid('param').userId,
        c.req.valid('query'),
        c.req.header('x-api-key'),
      );
      return c.json(ids, 200);
    },
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/recommend/{userId}/{category}',
      tags: ['gorse'],
      summary: 'Recommendations for a user in a category',
      request: {
        params: UserParam.extend({
          category: z
            .string()
            .min(1)
            .openapi({ param: { name: 'category', in: 'path' } }),
        }),
        query: Page.extend(WriteBack),
      },
      responses: { 200: json(z.array(z.string()), 'item ids') },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = { ...c.req.valid('query'), category: p.category };
      const ids = await recommend(p.userId, q, c.req.header('x-api-key'));
      return c.json(ids, 200);
    },
  );

  const scores = (items: readonly { id: string; score: number }[]) =>
    items.map((i) => ({ Id: i.id, Score: i.score }));

  // Gorse's clients call each of these with the category as a last path segment, empty for none
  // (`/api/popular/`: the trailing slash is routed as without, see app.ts routingPath)
  const neighbors = async (itemId: string, q: { n: number; offset: number }, category?: string) =>
    scores((await engine.similar(itemId, { n: q.n, offset: q.offset, category })).items);
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/item/{itemId}/neighbors',
      tags: ['gorse'],
      summary: 'Items similar to an item',
      request: { params: ItemParam, query: Page },
      responses: { 200: json(Scores, 'neighbours') },
    }),
    async (c) => c.json(await neighbors(c.req.valid('param').itemId, c.req.valid('query')), 200),
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/item/{itemId}/neighbors/{category}',
      tags: ['gorse'],
      summary: 'Items similar to an item, in a category',
      request: { params: ItemParam.merge(CategoryParam), query: Page },
      responses: { 200: json(Scores, 'neighbours') },
    }),
    async (c) => {
      const p = c.req.valid('param');
      return c.json(await neighbors(p.itemId, c.req.valid('query'), p.category), 200);
    },
  );

  const ListQuery = Page.extend({ 'user-id': z.string().min(1).optional() });
  const list = (
    kind: 'popular' | 'latest',
    q: z.infer<typeof ListQuery>,
    category: string | undefined,
  ): { Id: string; Score: number }[] => {
    const { catalog } = engine;
    const seen = q['user-id'] ? catalog.user(q['user-id'])?.seen : undefined;
    const order = kind === 'popular' ? catalog.popular() : catalog.latest();
    const out: { Id: string; Score: number }[] = [];
    let skipped = 0;
    for (let k = 0; k < order.length && out.length < q.n; k++) {
      const ci = order[k]!;
      if (!catalog.servable(ci) || seen?.has(ci)) continue;
      if (category !== undefined && !catalog.hasCategory(ci, category)) continue;
      if (skipped++ < q.offset) continue;
      const score = kind === 'popular' ? catalog.popularity[ci]! : catalog.timestamps[ci]!;
      out.push({ Id: catalog.ids.raw(ci), Score: score });
    }
    return out;
  };
  for (const kind of ['popular', 'latest'] as const) {
    const what = kind === 'popular' ? 'Popular' : 'Latest';
    app.openapi(
      route(ctx, 'read', {
        method: 'get',
        path: `/api/${kind}`,
        tags: ['gorse'],
        summary: `${what} items (optionally without those a user has seen)`,
        request: { query: ListQuery },
        responses: { 200: json(Scores, 'items') },
      }),
      async (c) => c.json(list(kind, c.req.valid('query'), undefined), 200),
    );
    app.openapi(
      route(ctx, 'read', {
        method: 'get',
        path: `/api/${kind}/{category}`,
        tags: ['gorse'],
        summary: `${what} items in a category (optionally without those a user has seen)`,
        request: { params: CategoryParam, query: ListQuery },
        responses: { 200: json(Scores, 'items') },
      }),
      async (c) => c.json(list(kind, c.req.valid('query'), c.req.valid('param').category), 200),
    );
  }

  const session = (
    body: z.infer<typeof GorseSessionFeedback>[],
    q: { n: number; offset: number },
    category?: string,
  ) =>
    scores(
      engine.sessionRecommend(
        body.map((f) => ({ item: f.ItemId, type: f.FeedbackType, value: f.Value ?? 1 })),
        { n: q.n, offset: q.offset, category },
      ).items,
    );
  const SessionBody = {
    body: { content: { 'application/json': { schema: z.array(GorseSessionFeedback) } }, required: true },
  };
  app.openapi(
    route(ctx, 'read', {
      method: 'post',
      path: '/api/session/recommend',
      tags: ['gorse'],
      summary: 'Recommendations for a session from its feedback',
      request: { query: Page, ...SessionBody },
      responses: { 200: json(Scores, 'items') },
    }),
    async (c) => c.json(session(c.req.valid('json'), c.req.valid('query')), 200),
  );
  app.openapi(
    route(ctx, 'read', {
      method: 'post',
      path: '/api/session/recommend/{category}',
      tags: ['gorse'],
      summary: 'Recommendations for a session from its feedback, in a category',
      request: { params: CategoryParam, query: Page, ...SessionBody },
      responses: { 200: json(Scores, 'items') },
    }),
    async (c) =>
      c.json(session(c.req.valid('json'), c.req.valid('query'), c.req.valid('param').category), 200),
  );

  gorseDataRoutes(app, ctx);
  gorseFeedbackRoutes(app, ctx);
}
