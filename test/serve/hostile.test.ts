/**
 * A real server (SQLite file, media root, dashboard files) against hostile and careless clients:
 * bounded metrics labels, security headers, media that cannot run script on the dashboard's origin,
 * uploads checked by their bytes, deep or broken JSON, bad percent-encoding, oversized ids, and
 * failure reasons without server paths. Each test failed before its fix (issue 12).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EXTRA_FEEDBACK_TYPES } from '../../src/serve/http/metrics.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client, type Json } from './helpers.js';

let server: RunningServer;
let dir = '';
let media = '';
let api: ReturnType<typeof client>;

const picture = (format: 'png' | 'jpeg') =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .toFormat(format)
    .toBuffer()
    .then((b) => new Uint8Array(b));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-hostile-'));
  media = join(dir, 'media');
  mkdirSync(join(dir, 'web'), { recursive: true });
  mkdirSync(media, { recursive: true });
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>dash</title>');
  writeFileSync(join(media, 'broken.png'), 'this is not a picture');
  writeFileSync(
    join(media, 'evil.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  server = await startServer({
    db: `sqlite://${join(dir, 'shop.db')}`,
    create: true,
    port: 0,
    webRoot: join(dir, 'web'),
    mediaRoot: media,
    processMetrics: false,
    encodeWorkers: 1,
    log: () => {},
  });
  api = client(server.url);
  await api.post('/v1/items', [
    { id: 'a', text: { title: 'first' } },
    { id: 'svg', image: 'evil.svg' },
  ]);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('metrics labels are bounded', () => {
  it('gives the first few unknown feedback types a series, then counts the rest as "other"', async () => {
    const rows = Array.from({ length: 100 }, (_, k) => ({ user: 'u1', item: 'a', type: `t-${k}` }));
    expect((await api.post('/v1/feedback', rows)).status).toBe(200);
    await api.post('/v1/feedback', [{ user: 'u1', item: 'a', type: 'click' }]);
    const text = (await api.get('/metrics')).body as string;
    const lines = series(text, 'fusionrec_feedback_events_total');
    expect(lines.length).toBe(MAX_EXTRA_FEEDBACK_TYPES + 2); // 32 seen first, click, other
    expect(text).toContain('fusionrec_feedback_events_total{type="other"} 68');
    expect(text).toContain('fusionrec_feedback_events_total{type="click"} 1');
  });

  it('labels requests by route pattern and a known method', async () => {
    // Node's HTTP parser admits only the methods it knows (WebDAV's among them)
    for (const [k, method] of ['PROPFIND', 'MKCOL', 'LOCK', 'UNLOCK', 'PROPPATCH'].entries()) {
      await api.get(`/v1/items/missing-${k}`);
      await fetch(`${server.url}/v1/items/x${k}`, { method });
    }
    const lines = series((await api.get('/metrics')).body as string, 'fusionrec_http_requests_total');
    expect(lines.some((l) => l.includes('missing-'))).toBe(false);
    expect(lines.some((l) => /PROPFIND|MKCOL|LOCK/.test(l))).toBe(false);
    expect(lines.some((l) => l.includes('route="/v1/items/:id"'))).toBe(true);
    expect(lines.some((l) => l.includes('method="other"'))).toBe(true);
  });
});

describe('security headers and media', () => {
  it('sends a CSP, nosniff, no framing and a referrer policy on API answers and the dashboard', async () => {
    for (const path of ['/v1/health/live', '/', '/v1/items/nope', '/metrics']) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(r.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('serves stored media sandboxed, and an SVG as an attachment', async () => {
    const r = await fetch(`${server.url}/v1/items/svg/media/image`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain('sandbox');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('content-disposition')).toBe('attachment');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses uploads whose bytes are not a picture or sound of the declared kind, storing nothing', async () => {
    const uploads = join(media, 'uploads');
    const files = () => (existsSync(uploads) ? readdirSync(uploads) : []);
    const text = new TextEncoder().encode('<html><script>alert(1)</script></html>');
    const asPng = await api.put('/v1/items/a/media/image', text, { 'content-type': 'image/png' });
    expect(asPng.status).toBe(400);
    expect(asPng.body.error).toMatchObject({ code: 'invalid_input', field: 'body' });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>');
    const asSvg = await api.put('/v1/items/a/media/image', svg, { 'content-type': 'image/svg+xml' });
    expect(asSvg.status).toBe(400);
    const jpeg = await picture('jpeg');
    const mislabelled = await api.put('/v1/items/a/media/image', jpeg, { 'content-type': 'image/png' });
    expect(mislabelled.status).toBe(400);
    expect(mislabelled.body.error.message).toContain('JPEG');
    const asAudio = await api.put('/v1/items/a/media/audio', jpeg, { 'content-type': 'audio/wav' });
    expect(asAudio.status).toBe(400);
    expect(files()).toEqual([]);
    expect((await api.get('/v1/items/a')).body.image).toBeUndefined();
  });

  it('removes the previous upload when a new one has another extension', async () => {
    const png = await api.put('/v1/items/a/media/image', await picture('png'), {
      'content-type': 'image/png',
    });
    expect(png.status).toBe(200);
    expect(png.body.image).toMatch(/-image\.png$/);
    const jpg = await api.put('/v1/items/a/media/image', await picture('jpeg'), {
      'content-type': 'image/jpeg',
    });
    expect(jpg.status).toBe(200);
    expect(jpg.body.image).toMatch(/-image\.jpg$/);
    expect(readdirSync(join(media, 'uploads'))).toEqual([jpg.body.image.slice('uploads/'.length)]);
    const back = await fetch(`${server.url}/v1/items/a/media/image`);
    expect(back.headers.get('content-type')).toBe('image/jpeg');
    expect(back.headers.get('content-disposition')).toBeNull();
  });
});

describe('bad input is a 400, never a 500', () => {
  const raw = (path: string, body: string, method = 'POST') =>
    fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as Json }),
    );

  it('refuses JSON nested 5,000 levels deep', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const [path, body] of [
      ['/api/item', `{"ItemId":"d","Labels":{"x":${deep}}}`],
      ['/api/users', `[{"UserId":"d","Labels":{"x":${deep}}}]`],
      ['/v1/items', deep],
    ] as const) {
      const r = await raw(path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
      expect(r.body.error.message).toContain('nested');
    }
    expect((await raw('/api/item', '{"ItemId":"ok","Labels":{"x":[[["fine"]]]}}')).status).toBe(200);
  });

  it('refuses bad percent-encoding outside /v1 with 400', async () => {
    const r = await fetch(`${server.url}/%E0%A4%A`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as Json).error.code).toBe('invalid_input');
  });

  it('calls empty and truncated JSON invalid_input, as documented', async () => {
    for (const body of ['', '[{"id":', '{']) {
      const r = await raw('/v1/items', body);
      expect(r.status, body).toBe(400);
      expect(r.body.error.code, body).toBe('invalid_input');
    }
  });

  it('bounds ids, feedback types and categories at 256 characters, naming the field', async () => {
    const long = 'x'.repeat(257);
    const cases: [string, unknown, string][] = [
      ['/v1/items', [{ id: long }], '[0].id'],
      ['/v1/items', [{ id: 'c', categories: ['ok', long] }], '[0].categories[1]'],
      ['/v1/users', [{ id: long }], '[0].id'],
      ['/v1/feedback', [{ user: 'u', item: 'a', type: long }], '[0].type'],
      ['/v1/feedback', [{ user: long, item: 'a', type: 'click' }], '[0].user'],
      ['/api/feedback', [{ UserId: 'u', ItemId: long, FeedbackType: 'click' }], '[0].ItemId'],
      ['/api/item', { ItemId: long }, 'ItemId'],
    ];
    for (const [path, body, field] of cases) {
      const r = await api.post(path, body);
      expect(r.status, `${path} ${field}`).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_input', field });
      expect(r.body.error.message).toContain('at most 256 characters');
    }
    const huge = await api.post('/v1/items', [{ id: 'y'.repeat(5 * 1024 * 1024) }]);
    expect(huge.status).toBe(400);
    expect((await api.post('/v1/items', [{ id: 'z'.repeat(256) }])).status).toBe(200);
  });

  it('shows failure reasons without server paths', async () => {
    const r = await api.post('/v1/items', [{ id: 'broken', image: 'broken.png' }]);
    expect(r.status).toBe(200);
    const reason = r.body.failed.find((f: Json) => f.id === 'broken')?.reason as string;
    expect(reason).toContain('broken.png');
    expect(reason).not.toContain(dir);
    expect(reason).not.toMatch(/(^|\s)\/\w+\//);
  });
});
