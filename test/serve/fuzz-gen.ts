/**
 * @module test/serve/fuzz-gen
 * fast-check arbitraries of HTTP requests generated from the server's OpenAPI document: every
 * operation, its path and query parameters, and bodies that follow the schema (with hostile
 * strings, numbers and nesting mixed in), random JSON, broken JSON or raw bytes.
 */
import fc from 'fast-check';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are walked structurally
type Schema = any;

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Ids that exist in the seeded catalog, mixed with hostile strings. */
const KNOWN = ['a', 'b', 'u1', 'u2', 'click', '1', '0'];
const HOSTILE = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '%',
  '%E0%A4%A',
  '\u0000',
  '😀',
  'x'.repeat(300),
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  '1e309',
  '{}',
  'null',
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const hostileNumber = fc.oneof(
  fc.integer({ min: -5, max: 1100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e300),
);

function resolveRef(doc: Schema, s: Schema): Schema {
  if (s?.$ref) return resolveRef(doc, doc.components.schemas[String(s.$ref).split('/').pop()!]);
  return s;
}

/** A value following `schema` most of the time, something else sometimes. */
export function schemaValue(doc: Schema, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolveRef(doc, schema) ?? {};
  const wrong = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
  if (depth > 4) return wrong;
  const alts: fc.Arbitrary<unknown>[] = [];
  for (const k of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(s[k])) for (const x of s[k]) alts.push(schemaValue(doc, x, depth + 1));
  if (alts.length > 0) return fc.oneof(...alts, wrong);
  if (Array.isArray(s.enum)) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, wrong);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  let right: fc.Arbitrary<unknown>;
  switch (type) {
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {}))
        props[k] = schemaValue(doc, v, depth + 1);
      right =
        Object.keys(props).length > 0
          ? fc.record(props, { requiredKeys: s.required ?? [] })
          : fc.dictionary(hostileString, fc.oneof(hostileString, hostileNumber), { maxKeys: 3 });
      break;
    }
    case 'array':
      right = fc.array(schemaValue(doc, s.items ?? {}, depth + 1), { maxLength: 3 });
      break;
    case 'string':
      right = hostileString;
      break;
    case 'number':
    case 'integer':
      right = hostileNumber;
      break;
    case 'boolean':
      right = fc.boolean();
      break;
    default:
      right = fc.jsonValue({ maxDepth: 2 });
  }
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

const deepJson = fc.integer({ min: 60, max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const brokenJson = fc.constantFrom('', '{', '[{"id":', 'nul', '{"a":1,}', '\u0000', '[1,2');

/** The body of a request to an operation: JSON by the schema, random JSON, broken or raw bytes. */
function bodyOf(doc: Schema, op: Schema): fc.Arbitrary<{ body?: string | Uint8Array; type?: string }> {
  const content = op.requestBody?.content ?? {};
  if (content['application/octet-stream']) {
    return fc.record({
      body: fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constant(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])),
        fc.constant(new TextEncoder().encode('<svg><script>alert(1)</script></svg>')),
      ),
      type: fc.constantFrom('image/png', 'image/svg+xml', 'audio/wav', 'audio/mpeg', 'text/plain', ''),
    });
  }
  const schema = content['application/json']?.schema;
  const json = schema ? schemaValue(doc, schema).map((v) => JSON.stringify(v) ?? 'null') : fc.constant('');
  return fc.record({
    body: fc.oneof(
      { weight: 8, arbitrary: json },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: brokenJson },
      { weight: 1, arbitrary: deepJson },
    ),
    type: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
    ),
  });
}

function paramText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

/** Requests to one operation of the document. */
function operation(doc: Schema, path: string, method: string, op: Schema): fc.Arbitrary<FuzzRequest> {
  const params: Schema[] = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof(
        { weight: 4, arbitrary: schemaValue(doc, p.schema).map((v) => encodeURIComponent(paramText(v))) },
        { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%zz', '%', 'a%2Fb', '..%2F..') },
      ),
    ),
  );
  const query = fc.tuple(
    ...queryParams.map((p) => fc.option(schemaValue(doc, p.schema).map(paramText), { nil: undefined })),
  );
  return fc
    .record({ pv: pathValues, q: query, b: bodyOf(doc, op), extra: fc.boolean() })
    .map(({ pv, q, b, extra }) => {
      let url = path;
      pathParams.forEach((p, k) => {
        url = url.replace(`{${p.name}}`, pv[k] || 'a');
      });
      const qs = new URLSearchParams();
      queryParams.forEach((p, k) => {
        if (q[k] !== undefined) qs.set(p.name, q[k]!);
      });
      if (extra) qs.set('zz', 'x');
      const s = qs.toString();
      const headers: Record<string, string> = {};
      if (b.type) headers['content-type'] = b.type;
      return {
        method: method.toUpperCase(),
        path: s ? `${url}?${s}` : url,
        headers,
        ...(b.body === undefined ? {} : { body: b.body }),
      };
    });
}

const OTHER_PATHS = [
  '/metrics',
  '/openapi.json',
  '/',
  '/index.html',
  '/%E0%A4%A',
  '/v1/nope',
  '/api/',
  '/v1/items/',
];

/** Requests over every operation of the document (each equally likely) and a few other paths. */
export function requestsOf(doc: Schema): fc.Arbitrary<FuzzRequest> {
  const ops: fc.Arbitrary<FuzzRequest>[] = [];
  for (const [path, methods] of Object.entries<Schema>(doc.paths))
    for (const [method, op] of Object.entries<Schema>(methods)) ops.push(operation(doc, path, method, op));
  ops.push(
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD'),
      path: fc.constantFrom(...OTHER_PATHS),
      headers: fc.constant({}),
    }),
  );
  return fc.oneof(...ops);
}
