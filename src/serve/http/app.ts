/**
 * @module serve/http/app
 * The HTTP application (hono + @hono/zod-openapi): every route validated by its zod schemas (a
 * 400 names the field and what was expected), errors mapped in one place (./errors), API keys,
 * body limit, Prometheus metrics and request logs, the OpenAPI document at /openapi.json, the
 * Gorse-compatible /api/ subset, and the dashboard's static files with SPA fallback. Security
 * headers on every response (./security), path encoding checked (./guards; the JSON depth is
 * checked per route, after the key, in ./context).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { matchedRoutes } from 'hono/route';
import { getPath } from 'hono/utils/url';
import type { ServerContext } from './context.js';
import { sendError, validationError } from './errors.js';
import { decodePath } from './guards.js';
import { auditKeyChange, auditRoutes } from './routes/audit.js';
import { experimentRoutes } from './routes/experiments.js';
import { fairnessRoutes } from './routes/fairness.js';
import { gorseRoutes } from './routes/gorse.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { modelRoutes } from './routes/models.js';
import { recommendRoutes } from './routes/recommend.js';
import { reviewRoutes } from './routes/review.js';
import { ruleRoutes } from './routes/rules.js';
import { userRoutes } from './routes/users.js';
import { securityHeaders } from './security.js';

export interface AppOptions {
  /** Largest request body in bytes (default 10 MiB); larger gets 413. */
  bodyLimit?: number;
  /** Folder of the built dashboard (default `dist/web` when it exists); false: none. */
  webRoot?: string | false;
  /** Write request logs to the store (default true). */
  logRequests?: boolean;
  /** Origins allowed to call the API from a browser (CORS); "*" for any. Default: none. */
  corsOrigins?: string[];
}

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

const WEB_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const API_PREFIXES = ['/v1/', '/api/', '/metrics', '/openapi.json'];

function routeOf(c: Context): string {
  return matchedRoutes(c)[c.req.routeIndex]?.path ?? 'unmatched';
}

/** The user a request is about (for request logs and their deletion with the user). */
function userOf(c: Context): string | undefined {
  const p = c.req.param() as Record<string, string>;
  if (p.id !== undefined && c.req.path.startsWith('/v1/users/')) return p.id;
  return p.userId ?? c.req.query('user-id') ?? undefined;
}

/**
 * The routing path of a request. Gorse's official clients put an empty category after a slash
 * (`/api/recommend/u1/`, `/api/popular/`), so trailing slashes are dropped under /api/.
 */
export function routingPath(request: Request): string {
  const p = getPath(request);
  return p.length > 5 && p.startsWith('/api/') && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}

export function createApp(ctx: ServerContext, o: AppOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono({
    getPath: routingPath,
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationError(result.error.issues, result.target), 400);
      return undefined;
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  const { metrics, engine } = ctx;
  const logRequests = o.logRequests !== false;

  app.use('*', securityHeaders());
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    const path = c.req.path;
    if (!API_PREFIXES.some((p) => path.startsWith(p))) return;
    const seconds = (performance.now() - t0) / 1000;
    const r = routeOf(c);
    const method = c.req.method;
    metrics.observeRequest(method, r, c.res.status, seconds);
    if (logRequests && (path.startsWith('/v1/') || path.startsWith('/api/')) && !path.includes('/health/')) {
      // a deletion (or a lookup of a deleted user) must not leave a fresh trace of the user; an
      // opted-out user is not tracked; others are logged under their pseudonym (unless turned off)
      const raw = method === 'DELETE' || c.res.status === 404 ? undefined : userOf(c);
      const user =
        raw === undefined || engine.operator.isOptedOut(raw) ? undefined : engine.operator.logUser(raw);
      void engine.store.logRequests([
        {
          time: Date.now() / 1000,
          method,
          route: r,
          status: c.res.status,
          ms: seconds * 1000,
          ...(user ? { user } : {}),
        },
      ]);
    }
  });

  const limit = bodyLimit({
    maxSize: o.bodyLimit ?? DEFAULT_BODY_LIMIT,
    onError: (c) =>
      c.json(
        {
          error: {
            code: 'payload_too_large',
            message: `the body is larger than ${o.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`,
          },
        },
        413,
      ),
  });
  if (o.corsOrigins && o.corsOrigins.length > 0) {
    const origins = o.corsOrigins;
    const policy = cors({
      origin: origins.includes('*') ? '*' : origins,
      allowHeaders: ['Content-Type', 'X-API-Key', 'X-Fusionrec-Operator'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    });
    app.use('/v1/*', policy);
    app.use('/api/*', policy);
  }
  // GET and HEAD bodies are never read; asking for one would build the whole Fetch Request (undici,
  // an AbortController) on every read request, about a tenth of the recommend path's CPU (issue 15)
  const limitBodies: typeof limit = (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next);
  app.use('/v1/*', limitBodies);
  app.use('/api/*', limitBodies);

  healthRoutes(app, ctx);
  itemRoutes(app, ctx);
  userRoutes(app, ctx);
  recommendRoutes(app, ctx);
  modelRoutes(app, ctx);
  experimentRoutes(app, ctx);
  ruleRoutes(app, ctx);
  reviewRoutes(app, ctx);
  fairnessRoutes(app, ctx);
  auditRoutes(app, ctx);
  gorseRoutes(app, ctx);
  void auditKeyChange(ctx).catch((err) => process.emitWarning(`audit log: ${String(err)}`));

  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );
  let doc: unknown;
  app.get('/openapi.json', (c) => {
    doc ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'fusionrec',
        version: '0.1.0',
        description:
          'Multimodal recommendation server: native API under /v1, Gorse-compatible subset under /api',
      },
    });
    return c.json(doc as object);
  });

  const web = o.webRoot === false ? undefined : resolve(o.webRoot ?? join('dist', 'web'));
  if (web) {
    app.get('*', async (c, next) => {
      const path = c.req.path;
      if (API_PREFIXES.some((p) => path.startsWith(p))) return next();
      const index = join(web, 'index.html');
      const rel = normalize(decodePath(path)).replace(/^([/\\])+/, '');
      const file = join(web, rel);
      const inside = file === web || file.startsWith(web + sep);
      const isFile =
        inside &&
        rel !== '' &&
        (await stat(file).then(
          (s) => s.isFile(),
          () => false,
        ));
      const target = isFile ? file : index;
      const body = await readFile(target).catch(() => undefined);
      if (!body) return next();
      return c.body(new Uint8Array(body), 200, {
        'Content-Type': WEB_TYPES[extname(target)] ?? 'application/octet-stream',
      });
    });
  }

  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => sendError(c, err));
  return app;
}
