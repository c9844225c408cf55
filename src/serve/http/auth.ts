/**
 * @module serve/http/auth
 * API keys in the `X-API-Key` header (Gorse's scheme). The write key protects write and admin
 * routes; the read key, when set, protects read routes too (the write key also opens them).
 * Without keys every route is open (the default for local use; the server says so at start-up).
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export type Access = 'public' | 'read' | 'write';

export interface AuthKeys {
  apiKey?: string | undefined;
  readKey?: string | undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a presented key opens a route of `access`. */
export function allowed(keys: AuthKeys, access: Access, presented: string | undefined): boolean {
  if (access === 'public') return true;
  const { apiKey, readKey } = keys;
  if (access === 'write') return apiKey === undefined || (presented !== undefined && same(presented, apiKey));
  if (readKey === undefined) return true;
  return (
    presented !== undefined && (same(presented, readKey) || (apiKey !== undefined && same(presented, apiKey)))
  );
}

/** Middleware answering 401 unless the request's key opens `access`. */
export function requireKey(keys: AuthKeys, access: Access): MiddlewareHandler {
  return async (c, next) => {
    if (!allowed(keys, access, c.req.header('x-api-key'))) {
      const which = access === 'write' ? 'the write API key' : 'an API key';
      return c.json(
        { error: { code: 'unauthorized', message: `this route needs ${which} in the X-API-Key header` } },
        401,
      );
    }
    await next();
    return undefined;
  };
}
