/**
 * @module serve/http/routes/rules
 * Business rules (`/v1/rules`): list and read with the read key, create, replace and delete with
 * the write (admin) key; every write is audited. Rules are applied by /v1/recommend and Gorse's
 * /api/recommend (serve/engine/rules.ts); other servers re-read them through the change feed.
 */
import { z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../errors.js';
import type { RuleInput as StoredRuleInput } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';
import { Id, IdParam } from '../schemas.js';
import { audit } from './audit.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const Value = z.union([z.string(), z.number().finite(), z.boolean()]);
const Name = z.string().min(1).max(256);

const Segment = z
  .strictObject({ label: Name.optional(), attribute: Name.optional(), value: Value.optional() })
  .openapi('RuleSegment');

const Match = z
  .strictObject({
    items: z.array(Id).min(1).max(10_000).optional(),
    categories: z.array(Name).min(1).max(1000).optional(),
    label: Name.optional(),
    attribute: Name.optional(),
    value: Value.optional(),
  })
  .refine((m) => Object.keys(m).length > 0, {
    message: 'expected at least one of items, categories, label, attribute',
  })
  .openapi('ItemMatch');

const Factor = z.number().finite().min(0).max(1e6);
const Addend = z.number().finite().min(-1e9).max(1e9);

const Action = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('pin'), item: Id, position: z.number().int().min(1).max(10_000) }),
    z.strictObject({ kind: z.literal('block'), match: Match }),
    z.strictObject({
      kind: z.literal('boost'),
      match: Match,
      multiply: Factor.optional(),
      add: Addend.optional(),
    }),
    z.strictObject({
      kind: z.literal('freshness'),
      days: z.number().positive().max(36_500),
      multiply: Factor.optional(),
      add: Addend.optional(),
    }),
  ])
  .openapi('RuleAction');

export const RuleInput = z
  .strictObject({
    name: Name,
    enabled: z.boolean().default(true),
    segment: Segment.optional(),
    action: Action,
  })
  .openapi('RuleInput');

const Rule = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    segment: Segment.optional(),
    action: Action,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Rule');

export function ruleRoutes(app: App, ctx: ServerContext): void {
  const { engine } = ctx;
  const store = engine.store;

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/rules',
      tags: ['operator'],
      summary: 'Business rules (pin, block, boost/bury, freshness) in creation order',
      responses: { 200: json(z.object({ rules: z.array(Rule) }), 'rules') },
    }),
    async (c) => c.json({ rules: await store.listRules() }, 200),
  );

  app.openapi(
    route(ctx, 'read', {
      method: 'get',
      path: '/v1/rules/{id}',
      tags: ['operator'],
      summary: 'One business rule',
      request: { params: IdParam },
      responses: { 200: json(Rule, 'the rule') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const r = await store.getRule(id);
      if (!r) throw new NotFoundError(`unknown rule "${id}"`);
      return c.json(r, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'post',
      path: '/v1/rules',
      tags: ['operator'],
      summary: 'Create a business rule (applied at once on this server, through the change feed on others)',
      request: { body: { content: { 'application/json': { schema: RuleInput } }, required: true } },
      responses: { 200: json(Rule, 'the rule') },
    }),
    async (c) => {
      const r = await store.putRule(c.req.valid('json') as StoredRuleInput);
      await engine.operator.refreshRules();
      await audit(ctx, c, 'rule.create', r.id, { rule: c.req.valid('json') });
      return c.json(r, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'put',
      path: '/v1/rules/{id}',
      tags: ['operator'],
      summary: 'Replace a business rule',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: RuleInput } }, required: true },
      },
      responses: { 200: json(Rule, 'the rule') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const before = await store.getRule(id);
      if (!before) throw new NotFoundError(`unknown rule "${id}"`);
      const r = await store.putRule({ ...(c.req.valid('json') as StoredRuleInput), id });
      await engine.operator.refreshRules();
      await audit(ctx, c, 'rule.update', id, { before, after: c.req.valid('json') });
      return c.json(r, 200);
    },
  );

  app.openapi(
    route(ctx, 'write', {
      method: 'delete',
      path: '/v1/rules/{id}',
      tags: ['operator'],
      summary: 'Delete a business rule',
      request: { params: IdParam },
      responses: { 200: json(z.object({ deleted: z.string() }), 'deleted') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const before = await store.getRule(id);
      await store.deleteRule(id);
      await engine.operator.refreshRules();
      await audit(ctx, c, 'rule.delete', id, { before });
      return c.json({ deleted: id }, 200);
    },
  );
}
