/**
 * @module serve/http/routes/audit
 * The audit log: who (which key: its role and a fingerprint, never the secret), when and what, for
 * every rule change, model activation, experiment start/stop, review decision, opt-out change
 * made through the API, and every change of the configured keys (recorded at start-up). `GET
 * /v1/audit` needs the write (admin) key.
 */
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AuditEntry } from '../../../store/types.js';
import { type App, route, type ServerContext } from '../context.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The first 8 hex digits of SHA-256 of a key: tells keys apart, reveals nothing usable. */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Who made a request: "write key <fp>", "read key <fp>", "open (no keys)" or "anonymous". */
export function actorOf(ctx: ServerContext, c: Context): string {
  const { apiKey, readKey } = ctx.keys;
  const presented = c.req.header('x-api-key');
  if (apiKey !== undefined && presented === apiKey) return `write key ${fingerprint(apiKey)}`;
  if (readKey !== undefined && presented === readKey) return `read key ${fingerprint(readKey)}`;
  if (apiKey === undefined && readKey === undefined) return 'open (no keys)';
  return 'anonymous';
}

/** Records one audit entry for a request (a failure to record is logged, never fails the request). */
export async function audit(
  ctx: ServerContext,
  c: Context,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await ctx.engine.store
    .addAudit({ actor: actorOf(ctx, c), action, target, details })
    .catch((err) => process.emitWarning(`audit log: ${String(err)}`));
}

const KEYS_META = 'audit.keyFingerprints';

/**
 * Records `keys.change` when the configured keys differ from those of the last start (compared by
 * fingerprint; the first start with keys records them too).
 */
export async function auditKeyChange(ctx: ServerContext): Promise<void> {
  const store = ctx.engine.store;
  const now = {
    write: ctx.keys.apiKey === undefined ? null : fingerprint(ctx.keys.apiKey),
    read: ctx.keys.readKey === undefined ? null : fingerprint(ctx.keys.readKey),
  };
  const before = (await store.getMeta<typeof now>(KEYS_META)) ?? { write: null, read: null };
  if (before.write === now.write && before.read === now.read) return;
  await store.addAudit({
    actor: 'config',
    action: 'keys.change',
    target: 'api-keys',
    details: { before, after: now },
  });
  await store.setMeta(KEYS_META, now);
}

const AuditRow = z
  .object({
    id: z.number().int(),
    time: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export function auditRoutes(app: App, ctx: ServerContext): void {
  app.openapi(
    route(ctx, 'write', {
      method: 'get',
      path: '/v1/audit',
      tags: ['operator'],
      summary: 'The audit log, newest first (needs the write key)',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z.coerce.number().int().min(1).optional(),
        }),
      },
      responses: { 200: json(z.object({ entries: z.array(AuditRow) }), 'entries') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const entries: AuditEntry[] = await ctx.engine.store.listAudit({
        limit: q.limit,
        ...(q.before === undefined ? {} : { before: q.before }),
      });
      return c.json({ entries }, 200);
    },
  );
}
