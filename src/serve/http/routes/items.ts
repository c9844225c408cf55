/**
 * @module serve/http/routes/items
 * Items: batch upsert (encoded at insert), list with filters, get, patch, delete, media download
 * and upload (confined to the media root), similar items.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import {
  checkUploadBytes,
  mediaContentType,
  removeReplacedUpload,
  resolveMediaPath,
} from '../../../store/media.js';
import type { ItemPatch } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';
import { itemFromInput, itemJson, secondsOf, withItems } from '../convert.js';
import { redactPaths } from '../redact.js';
import {
  Flag,
  flag,
  IdParam,
  Item,
  ItemInput,
  ItemPatchBody,
  Limit,
  N,
  Offset,
  ScoredItems,
} from '../schemas.js';
import { mediaHeaders } from '../security.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const MediaParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
  kind: z.enum(['image', 'audio']).openapi({ param: { name: 'kind', in: 'path' } }),
});

export function itemRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  const UpsertResult = z
    .object({
      inserted: z.number().int(),
      updated: z.number().int(),
      encoded: z.object({ text: z.number().int(), image: z.number().int(), audio: z.number().int() }),
      failed: z.array(
        z.object({ id: z.string(), modality: z.enum(['text', 'image', 'audio']), reason: z.string() }),
      ),
    })
    .openapi('UpsertItemsResult');
  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/items',
      tags: ['items'],
      summary: 'Insert or replace items (all-or-nothing); their content is encoded at once',
      request: { body: { content: { 'application/json': { schema: z.array(ItemInput) } }, required: true } },
      responses: { 200: json(UpsertResult, 'counts') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const now = Date.now() / 1000;
      const r = await engine.upsertItems(body.map((x, k) => itemFromInput(x, k, now)));
      // encoder failure reasons name files: as media references, never as server paths
      const failed = r.failed.map((f) => ({ ...f, reason: redactPaths(f.reason, engine.mediaRoot) }));
      return c.json({ ...r, failed }, 200);
    },
  );

  const ListQuery = z.object({
    offset: Offset,
    limit: Limit,
    category: z.string().min(1).optional(),
    q: z.string().optional(),
    modality: z.enum(['text', 'image', 'audio']).optional(),
  });
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/items',
      tags: ['items'],
      summary: 'List items (filter by category, text or id substring, present modality)',
      request: { query: ListQuery },
      responses: {
        200: json(z.object({ items: z.array(Item), total: z.number().int() }), 'a page of items'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const r = await store.listItems({
        offset: q.offset,
        limit: q.limit,
        ...(q.category ? { category: q.category } : {}),
        ...(q.q ? { q: q.q } : {}),
        ...(q.modality ? { modality: q.modality } : {}),
      });
      return c.json({ items: r.items.map(itemJson), total: r.total }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'One item',
      request: { params: IdParam },
      responses: { 200: json(Item, 'the item') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const it = await store.getItem(id);
      if (!it) throw new NotFoundError(`unknown item "${id}"`);
      return c.json(itemJson(it), 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'patch',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'Change some fields of an item (re-encoded when text or media change)',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ItemPatchBody } }, required: true },
      },
      responses: { 200: json(Item, 'the item after the change') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const patch: ItemPatch = {};
      if (b.text !== undefined) patch.text = b.text;
      if (b.categories !== undefined) patch.categories = b.categories;
      if (b.labels !== undefined) patch.labels = b.labels;
      if (b.attributes !== undefined) patch.attributes = b.attributes;
      if (b.hidden !== undefined) patch.hidden = b.hidden;
      if (b.comment !== undefined) patch.comment = b.comment;
      if (b.timestamp !== undefined) patch.timestamp = secondsOf(b.timestamp, 'timestamp', 0);
      if (b.image !== undefined) patch.image = b.image ?? undefined;
      if (b.audio !== undefined) patch.audio = b.audio ?? undefined;
      return c.json(itemJson(await engine.patchItem(id, patch)), 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'delete',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'Delete an item with its feedback and vectors',
      request: { params: IdParam },
      responses: { 200: json(z.object({ deleted: z.string() }), 'deleted') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await engine.deleteItem(id);
      return c.json({ deleted: id }, 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/items/{id}/media/{kind}',
      tags: ['items'],
      summary: "The item's image or audio file (only files inside the media root are served)",
      request: { params: MediaParams },
      responses: {
        200: {
          description: 'the file',
          content: {
            'image/*': { schema: z.string().openapi({ format: 'binary' }) },
            'audio/*': { schema: z.string().openapi({ format: 'binary' }) },
          },
        },
      },
    }),
    async (c) => {
      const { id, kind } = c.req.valid('param');
      const it = await store.getItem(id);
      if (!it) throw new NotFoundError(`unknown item "${id}"`);
      const ref = it[kind];
      if (!ref) throw new NotFoundError(`item "${id}" has no ${kind}`);
      if (/^https?:\/\//i.test(ref)) return c.redirect(ref, 302);
      const path = await resolveMediaPath(engine.mediaRoot, ref);
      if (!path) throw new NotFoundError(`the ${kind} of item "${id}" is not a file inside the media root`);
      const stream = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream;
      return c.body(stream, 200, {
        ...mediaHeaders(mediaContentType(path)),
        'Cache-Control': 'max-age=3600',
      });
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'put',
      path: '/v1/items/{id}/media/{kind}',
      tags: ['items'],
      summary: 'Upload the image or audio of an item (raw body with its content type); re-encodes the item',
      request: {
        params: MediaParams,
        body: {
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
          description: 'raw bytes; Content-Type image/png, image/jpeg, audio/wav, audio/mpeg…',
        },
      },
      responses: { 200: json(Item, 'the item after the upload') },
    }),
    async (c) => {
      const { id, kind } = c.req.valid('param');
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const contentType = c.req.header('content-type') ?? '';
      checkUploadBytes(kind, bytes, contentType); // a picture or sound by its magic number, never SVG/text
      const previous = (await store.getItem(id))?.[kind];
      const it = await engine.putMedia(id, kind, bytes, contentType);
      await removeReplacedUpload(engine.mediaRoot, previous, it[kind]); // e.g. .png replaced by .jpg
      return c.json(itemJson(it), 200);
    },
  );

  const SimilarQuery = z.object({
    n: N,
    offset: Offset,
    category: z.string().min(1).optional(),
    withItems: Flag,
  });
  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/items/{id}/similar',
      tags: ['recommend'],
      summary: 'Items most like this one (cosine of model item vectors, else of content vectors)',
      request: { params: IdParam, query: SimilarQuery },
      responses: { 200: json(ScoredItems, 'similar items') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const r = await engine.similar(id, { n: q.n, offset: q.offset, category: q.category });
      return c.json(
        { source: r.source, items: await withItems(store, r.items, flag(q.withItems, false)) },
        200,
      );
    },
  );
}
