/**
 * @module serve/http/routes/gorse-data
 * The Gorse-compatible item and user routes beyond insert/get/delete (see ./gorse): cursor pages
 * of items and users (`{"Cursor", "Items"}` / `{"Cursor", "Users"}`; fusionrec's cursors are
 * offsets, "" after the last page), Gorse's partial updates (PATCH: only the fields given change),
 * adding and removing one category of an item, and a user's neighbours (users with the most
 * similar positive feedback: cosine of their item sets, like Gorse's "similar users").
 */
import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import type { ItemPatch } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';
import { secondsOf } from '../convert.js';
import {
  CategoryParam,
  CursorQuery,
  GorseItem,
  GorseItemPatch,
  GorseUser,
  GorseUserPatch,
  gorseItem,
  gorseUser,
  ItemParam,
  json,
  labelsOf,
  nextCursor,
  offsetOf,
  Page,
  Scores,
  Success,
  UserParam,
} from './gorse-schemas.js';

const ItemPage = z.object({ Cursor: z.string(), Items: z.array(GorseItem) }).openapi('GorseItemPage');
const UserPage = z.object({ Cursor: z.string(), Users: z.array(GorseUser) }).openapi('GorseUserPage');

export function gorseDataRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/items',
      tags: ['gorse'],
      summary: 'A page of items (`cursor` from the previous page; "" when there is no more)',
      request: { query: CursorQuery },
      responses: { 200: json(ItemPage, 'a page of items') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const offset = offsetOf(q);
      const r = await store.listItems({ offset, limit: q.n });
      return c.json(
        { Cursor: nextCursor(offset, r.items.length, r.total), Items: r.items.map(gorseItem) },
        200,
      );
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/users',
      tags: ['gorse'],
      summary: 'A page of users (`cursor` from the previous page; "" when there is no more)',
      request: { query: CursorQuery },
      responses: { 200: json(UserPage, 'a page of users') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const offset = offsetOf(q);
      const r = await store.listUsers({ offset, limit: q.n });
      return c.json(
        { Cursor: nextCursor(offset, r.users.length, r.total), Users: r.users.map(gorseUser) },
        200,
      );
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'patch',
      path: '/api/item/{itemId}',
      tags: ['gorse'],
      summary: 'Modify an item (only the fields given change; a new Comment is re-encoded)',
      request: {
        params: ItemParam,
        body: { content: { 'application/json': { schema: GorseItemPatch } }, required: true },
      },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      const { itemId } = c.req.valid('param');
      const b = c.req.valid('json');
      const cur = await store.getItem(itemId);
      if (!cur) throw new NotFoundError(`unknown item "${itemId}"`);
      const patch: ItemPatch = {};
      if (b.IsHidden !== undefined) patch.hidden = b.IsHidden;
      if (b.Categories !== undefined) patch.categories = b.Categories ?? [];
      if (b.Timestamp !== undefined) patch.timestamp = secondsOf(b.Timestamp, 'Timestamp', cur.timestamp);
      if (b.Labels !== undefined) patch.labels = labelsOf(b.Labels);
      if (b.Comment !== undefined) {
        patch.comment = b.Comment;
        // Gorse items carry their text in Comment (see itemOf): keep the other text fields
        patch.text = { ...cur.text, comment: b.Comment };
      }
      await engine.patchItem(itemId, patch);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  for (const method of ['put', 'delete'] as const) {
    app.openapi(
      route(ctx, 'write', {
        method,
        path: '/api/item/{itemId}/category/{category}',
        tags: ['gorse'],
        summary: method === 'put' ? 'Add a category to an item' : 'Remove a category from an item',
        request: { params: ItemParam.merge(CategoryParam) },
        responses: { 200: json(Success, 'done') },
      }),
      async (c) => {
        const { itemId, category } = c.req.valid('param');
        const cur = await store.getItem(itemId);
        if (!cur) throw new NotFoundError(`unknown item "${itemId}"`);
        const rest = cur.categories.filter((x) => x !== category);
        const categories = method === 'put' ? [...rest, category] : rest;
        await engine.patchItem(itemId, { categories });
        return c.json({ RowAffected: 1 }, 200);
      },
    );
  }

  app.openapi(
    route(ctx, 'write', {
      method: 'patch',
      path: '/api/user/{userId}',
      tags: ['gorse'],
      summary: 'Modify a user (only the fields given change)',
      request: {
        params: UserParam,
        body: { content: { 'application/json': { schema: GorseUserPatch } }, required: true },
      },
      responses: { 200: json(Success, 'done') },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const b = c.req.valid('json');
      const cur = await store.getUser(userId);
      if (!cur) throw new NotFoundError(`unknown user "${userId}"`);
      const next = { id: cur.id, labels: cur.labels, attributes: cur.attributes, comment: cur.comment };
      if (b.Labels !== undefined) next.labels = labelsOf(b.Labels);
      if (b.Comment !== undefined) next.comment = b.Comment;
      const { comment, ...user } = next;
      await engine.upsertUsers([comment === undefined ? user : { ...user, comment }]);
      return c.json({ RowAffected: 1 }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/api/user/{userId}/neighbors',
      tags: ['gorse'],
      summary: 'Users with the most similar positive feedback (cosine of their item sets)',
      request: { params: UserParam, query: Page },
      responses: { 200: json(Scores, 'neighbours') },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const q = c.req.valid('query');
      const { catalog } = engine;
      const me = catalog.user(userId);
      if (!me) throw new NotFoundError(`unknown user "${userId}"`);
      const mine = me.positiveSet;
      const found: { Id: string; Score: number }[] = [];
      if (mine.size > 0) {
        for (const other of catalog.userIds()) {
          if (other === userId) continue;
          const them = catalog.user(other)!.positives;
          let shared = 0;
          for (const ci of them) if (mine.has(ci)) shared++;
          if (shared > 0) found.push({ Id: other, Score: shared / Math.sqrt(mine.size * them.length) });
        }
      }
      found.sort((a, b) => b.Score - a.Score || (a.Id < b.Id ? -1 : 1));
      return c.json(found.slice(q.offset, q.offset + q.n), 200);
    },
  );
}
