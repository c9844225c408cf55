/**
 * @module serve/http/security
 * Security headers on every response: a Content-Security-Policy the dashboard works with (its own
 * scripts and styles only, pictures and sound also from http(s) media URLs, no framing),
 * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and a Referrer-Policy. Stored media
 * are served with a sandboxing policy instead (an uploaded or imported SVG with a script cannot run
 * on the dashboard's origin, where the API key sits in localStorage) and, when the type could be
 * active content, as an attachment.
 */
import type { MiddlewareHandler } from 'hono';

/** The policy of the dashboard and of every API answer. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy of stored media: nothing loads, nothing runs (a unique opaque origin). */
export const MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Middleware: the security headers on every response (a route's own CSP is kept). */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [k, v] of Object.entries(HEADERS)) if (!h.has(k)) h.set(k, v);
  };
}

/** Media types shown inline (pictures and sound that cannot run script); others download. */
const PASSIVE = /^(image\/(png|jpeg|gif|webp|bmp|avif)|audio\/[\w.+-]+)$/;

/** The headers a stored media file is served with. */
export function mediaHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': MEDIA_CONTENT_SECURITY_POLICY,
    ...(PASSIVE.test(contentType) ? {} : { 'Content-Disposition': 'attachment' }),
  };
}
