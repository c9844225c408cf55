/**
 * @module serve/http/errors
 * The one place where errors become HTTP responses: fusionrec's error vocabulary (src/errors.ts)
 * and request validation failures map to a status and `{"error": {code, message, field?}}`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, FusionrecError, InvalidInputError } from '../../errors.js';
import { redactPaths } from './redact.js';

export interface ErrorPayload {
  error: { code: string; message: string; field?: string };
}

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  INVALID_ARGUMENT: 400,
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  NOT_SUPPORTED: 409,
  ALREADY_EXISTS: 409,
  NOT_FITTED: 409,
  MISMATCH: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The status and body for anything thrown by a handler; messages never show server paths. */
export function errorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorPayload } {
  const r = rawErrorResponse(err);
  r.body.error.message = redactPaths(r.body.error.message);
  return r;
}

function rawErrorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorPayload } {
  if (err instanceof FusionrecError) {
    const status = STATUS[err.code] ?? 500;
    const body: ErrorPayload = { error: { code: err.code.toLowerCase(), message: err.message } };
    // A file importer's error names a file the client never saw: report only the field and detail.
    if (err instanceof InvalidInputError) {
      body.error.message = err.field === undefined ? err.detail : `${err.field}: ${err.detail}`;
    }
    if (err.field !== undefined) body.error.field = err.field;
    return { status, body };
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code =
      status === 401
        ? 'unauthorized'
        : status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status === 400
              ? 'invalid_input'
              : status === 429
                ? 'too_many_requests'
                : status === 503
                  ? 'unavailable'
                  : 'http_error';
    return { status, body: { error: { code, message: err.message || String(status) } } };
  }
  if (err instanceof URIError) {
    return {
      status: 400,
      body: { error: { code: 'invalid_input', message: 'expected valid percent-encoding (UTF-8)' } },
    };
  }
  if (err instanceof SyntaxError) {
    return {
      status: 400,
      body: { error: { code: 'invalid_input', message: `expected valid JSON: ${err.message}` } },
    };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } },
  };
}

export function sendError(c: Context, err: unknown): Response {
  const { status, body } = errorResponse(err);
  return c.json(body, status);
}

/** `items[3].id` style path of a validation issue; `prefix` names the body or query. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}

/** The 400 body of a failed validation: the first issue's field and what was expected. */
export function validationError(issues: readonly Issue[], target: string): ErrorPayload {
  const first = issues[0];
  const field = first ? fieldPath(first.path) : '';
  const where = target === 'json' ? 'body' : target;
  const message = first
    ? `${field === '' ? where : field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : `invalid ${where}`;
  return { error: { code: 'invalid_input', message, ...(field === '' ? {} : { field }) } };
}
