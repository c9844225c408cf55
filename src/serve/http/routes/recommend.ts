/**
 * @module serve/http/routes/recommend
 * Recommendations for a user, for an anonymous session, and cross-modal search.
 */
import type { z } from '@hono/zod-openapi';
import { InvalidRequestError } from '../../../errors.js';
import type { RecommendResult } from '../../engine/engine.js';
import { type App, route, type ServerContext } from '../context.js';
import { base64, withItems } from '../convert.js';
import { isOperator } from '../operator.js';
import {
  flag,
  RecommendQuery,
  RecommendResponse,
  SearchBody,
  SearchQuery,
  SearchResponse,
  SessionBody,
  UserIdParam,
} from '../schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The `note` of an empty search result: why nothing could match (absent when something did). */
function noteOf(hits: readonly unknown[], notes: readonly string[]): { note?: string } {
  if (hits.length > 0) return {};
  return { note: notes.length > 0 ? `nothing matched: ${notes.join('; ')}` : 'nothing matched' };
}

export function recommendRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;
  const attach = async (r: RecommendResult, want: boolean) => ({
    ...r,
    items: await withItems(store, r.items, want),
  });

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/recommend/{userId}',
      tags: ['recommend'],
      summary: 'Top-n items for a user (unknown users get the fallbacks: popular, then latest)',
      request: { params: UserIdParam, query: RecommendQuery },
      responses: { 200: json(RecommendResponse, 'recommendations') },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const q = c.req.valid('query');
      const r = await engine.recommendRuled(userId, {
        n: q.n,
        offset: q.offset,
        category: q.category,
        excludeSeen: flag(q.excludeSeen, true),
        explain: flag(q.explain, false),
        operator: isOperator(c),
        ...(q.rerank !== undefined ? { rerank: q.rerank } : {}),
      });
      return c.json(await attach(r, flag(q.withItems, false)), 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'post',
      path: '/v1/session/recommend',
      tags: ['recommend'],
      summary: "Top-n items for an anonymous visitor from the session's feedback (nothing is stored)",
      request: { body: { content: { 'application/json': { schema: SessionBody } }, required: true } },
      responses: { 200: json(RecommendResponse, 'recommendations') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const r = engine.sessionRecommend(b.feedback, {
        n: b.n ?? 10,
        offset: b.offset ?? 0,
        category: b.category,
        explain: b.explain ?? false,
      });
      return c.json(await attach(r, b.withItems ?? false), 200);
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/search',
      tags: ['search'],
      summary: 'Text search over item text (and image/audio vectors when CLIP/CLAP made them)',
      request: { query: SearchQuery },
      responses: { 200: json(SearchResponse, 'results') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const notes: string[] = [];
      const hits = await engine.search(
        { text: q.q, n: q.n, modality: q.modality, category: q.category },
        notes,
      );
      return c.json(
        { items: await withItems(store, hits, flag(q.withItems, false)), ...noteOf(hits, notes) },
        200,
      );
    },
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'post',
      path: '/v1/search',
      tags: ['search'],
      summary: 'Search by text, a base64 image or a base64 audio clip',
      request: { body: { content: { 'application/json': { schema: SearchBody } }, required: true } },
      responses: { 200: json(SearchResponse, 'results') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      if (b.text === undefined && b.image === undefined && b.audio === undefined) {
        throw new InvalidRequestError('text', 'expected one of text, image or audio');
      }
      const notes: string[] = [];
      const hits = await engine.search(
        {
          text: b.text,
          image: b.image === undefined ? undefined : base64(b.image, 'image'),
          audio: b.audio === undefined ? undefined : base64(b.audio, 'audio'),
          n: b.n ?? 10,
          modality: b.modality ?? 'any',
          category: b.category,
        },
        notes,
      );
      return c.json(
        { items: await withItems(store, hits, b.withItems ?? false), ...noteOf(hits, notes) },
        200,
      );
    },
  );
}
