/**
 * Search says plainly when nothing could match (issue 13): with the built-in text encoder a query
 * with no word of the catalog, or whose every hit scores under the relevance floor, returns
 * `items: []` and a `note`; a text query for image (audio) vectors made by a built-in (non-CLIP)
 * encoder explains that only CLIP (CLAP) links text to pictures (sound).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenize } from '../../src/encoders/text/hashing.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client, type DemoDb, demoDb, type Json } from './helpers.js';

let demo: DemoDb;
let server: RunningServer;
let api: ReturnType<typeof client>;
/** A word of the catalog's text (from the first item's title). */
let word = '';

beforeAll(async () => {
  demo = await demoDb();
  server = await startServer({
    db: `sqlite://${demo.db}`,
    port: 0,
    webRoot: false,
    processMetrics: false,
    log: () => {},
  });
  api = client(server.url);
  const first = (await api.get('/v1/items?limit=1')).body.items[0];
  word = tokenize(String(first.text.title)).find((w) => w.length > 3) ?? '';
  expect(word).not.toBe('');
}, 60_000);
afterAll(async () => {
  await server?.close();
  demo?.cleanup();
});

describe('search relevance', () => {
  it('finds items for a word of the catalog, with no note', async () => {
    const r = await api.get(`/v1/search?q=${word}&n=5`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.note).toBeUndefined();
    for (const h of r.body.items as Json[]) expect(h.score).toBeGreaterThanOrEqual(0.2);
  });

  it('finds an item added after the text fit by its own new words', async () => {
    const post = await api.post('/v1/items', [
      {
        id: 'zebra-lamp',
        text: { title: 'quokka zebra lamp', description: 'a quokka lamp with zebra stripes' },
      },
    ]);
    expect(post.status).toBe(200);
    const r = await api.get('/v1/search?q=quokka%20zebra&n=3');
    expect(r.body.note).toBeUndefined();
    expect((r.body.items as Json[]).map((h) => h.id)).toContain('zebra-lamp');
  });

  it('returns nothing, saying why, for a query with no word of the catalog', async () => {
    for (const q of ['qwertyuiop', 'xyzzy frobnicate']) {
      const r = await api.get(`/v1/search?q=${encodeURIComponent(q)}&n=10`);
      expect(r.status, q).toBe(200);
      expect(r.body.items, q).toEqual([]);
      expect(r.body.note).toContain('no word of');
      const post = await api.post('/v1/search', { text: q, n: 10 });
      expect(post.body).toEqual(r.body);
    }
  });

  it('returns nothing, saying why, when every hit scores under the relevance floor', async () => {
    // "the" is in every description: it matches all items a little and none well
    const r = await api.get('/v1/search?q=the&n=10');
    expect(r.body.items).toEqual([]);
    expect(r.body.note).toContain('relevance floor 0.20');
  });

  it('explains that only CLIP/CLAP encoders link text to pictures and sound', async () => {
    for (const [modality, linked] of [
      ['image', 'CLIP'],
      ['audio', 'CLAP'],
    ] as const) {
      const r = await api.get(`/v1/search?q=${word}&modality=${modality}`);
      expect(r.status).toBe(200);
      expect(r.body.items).toEqual([]);
      expect(r.body.note).toContain(`${linked}-type encoder`);
      expect((await api.post('/v1/search', { text: word, modality })).body.note).toContain(linked);
    }
    // "any" still searches the text
    expect((await api.get(`/v1/search?q=${word}&modality=any`)).body.items.length).toBeGreaterThan(0);
  });
});
