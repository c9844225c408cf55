/**
 * @module serve/http/guards
 * Request guards that run before validation: JSON bodies nested deeper than {@link MAX_JSON_DEPTH}
 * are refused with 400 (deep nesting parses, but recursive code after it would overflow the stack
 * and answer 500), and a path that is not valid percent-encoding is refused with 400.
 */
import type { MiddlewareHandler } from 'hono';
import { InvalidRequestError } from '../../errors.js';

/** Deepest JSON nesting accepted in a request body. */
export const MAX_JSON_DEPTH = 64;

/** Whether the JSON text nests arrays/objects deeper than `max` (strings are skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Middleware: refuses JSON bodies nested deeper than `max` (the text stays cached for the route). */
export function jsonDepthGuard(max = MAX_JSON_DEPTH): MiddlewareHandler {
  return async (c, next) => {
    if (BODY_METHODS.has(c.req.method) && /\bjson\b/i.test(c.req.header('content-type') ?? '')) {
      const text = await c.req.text();
      if (jsonDeeperThan(text, max)) {
        throw new InvalidRequestError('body', `expected JSON nested at most ${max} levels deep`);
      }
    }
    await next();
  };
}

/** Decodes a URL path, throwing InvalidInputError (400) for invalid percent-encoding. */
export function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new InvalidRequestError('path', 'expected a path with valid percent-encoding (UTF-8)');
  }
}
