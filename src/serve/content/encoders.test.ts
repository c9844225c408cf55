import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClip } from '../../encoders/testing/tiny-clip.js';
import { openStore } from '../../store/open.js';
import type { Store, StoredItem } from '../../store/types.js';
import { Engine } from '../engine/engine.js';
import { ContentEncoders, META } from './encoders.js';

let dir = '';
const saved = { ...process.env };

const solid = (r: number, g: number, b: number) =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

const item = (id: string, extra: Partial<StoredItem>): StoredItem => ({
  id,
  text: {},
  categories: [],
  labels: [],
  attributes: {},
  timestamp: 1,
  hidden: false,
  modalities: {},
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-content-'));
  process.env.FUSIONREC_MODEL_DIR = join(dir, 'models');
  delete process.env.FUSIONREC_ALLOW_REMOTE;
  await writeTinyClip(join(dir, 'models'), 'tiny/clip', { projection: 16 });
  await mkdir(join(dir, 'media', 'img'), { recursive: true });
  await writeFile(join(dir, 'media', 'img', 'red.png'), await solid(220, 20, 20));
  await writeFile(join(dir, 'media', 'img', 'blue.png'), await solid(20, 20, 220));
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

async function storeWith(config: unknown): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  await store.setMeta(META.encoders, config);
  await store.setMeta(META.mediaRoot, join(dir, 'media'));
  return store;
}

describe('content encoders of the server', () => {
  it('fits the built-in text encoder once, stores the fit and reuses it', async () => {
    const store = await storeWith({ text: { name: 'builtin', options: { dim: 32 } } });
    const a = await ContentEncoders.open(store, join(dir, 'media'));
    const r = await a.encodeItems([item('x', { text: { title: 'red guitar riff' } }), item('y', {})]);
    expect(r.status.get('x')).toEqual({ text: 'present' });
    expect(r.status.get('y')).toEqual({ text: 'missing' });
    expect(await store.getMeta(META.textState)).toBeDefined();
    const b = await ContentEncoders.open(store, join(dir, 'media'));
    const again = await b.encodeItems([item('x', { text: { title: 'red guitar riff' } })]);
    expect(Array.from(again.vectors[0]!.vector)).toEqual(Array.from(r.vectors[0]!.vector));
    expect(again.vectors[0]!.encoder).toBe(r.vectors[0]!.encoder);
    // unseen words only: no known n-gram is a failure, not an exception
    const odd = await b.encodeItems([item('z', { text: { title: 'qqqq' } })]);
    expect(odd.status.get('z')?.text).toBe('failed');
    await Promise.all([a.dispose(), b.dispose()]);
    await store.close();
  });

  it('reports missing files and references outside the media root as failed', async () => {
    const store = await storeWith({ image: { name: 'builtin' } });
    const c = await ContentEncoders.open(store, join(dir, 'media'));
    const r = await c.encodeItems([
      item('ok', { image: 'img/red.png' }),
      item('gone', { image: 'img/none.png' }),
      item('out', { image: '../outside.png' }),
      item('web', { image: 'https://example.org/x.png' }),
    ]);
    expect(r.status.get('ok')?.image).toBe('present');
    expect(r.failed.map((f) => f.id).sort()).toEqual(['gone', 'out', 'web']);
    await c.dispose();
    await store.close();
  });

  it('searches image vectors with a text query when CLIP made them, and not otherwise', async () => {
    const clip = { model: 'tiny/clip', threads: 1 };
    const store = await storeWith({
      text: { name: 'builtin', options: { dim: 32 } },
      image: { name: 'clip', options: clip },
    });
    const engine = await Engine.open(store);
    expect(engine.content.textReaches('image')).toBe(true);
    expect(engine.content.textReaches('audio')).toBe(false);
    const up = await engine.upsertItems([
      item('red', { text: { title: 'crimson poster' }, image: 'img/red.png' }),
      item('blue', { text: { title: 'navy poster' }, image: 'img/blue.png' }),
    ]);
    expect(up.encoded).toMatchObject({ text: 2, image: 2 });
    const hits = await engine.search({ text: 'a red square', n: 5, modality: 'image' });
    expect(hits.map((h) => h.modality)).toEqual(['image', 'image']);
    const any = await engine.search({ text: 'crimson', n: 5, modality: 'any' });
    expect(new Set(any.map((h) => h.modality))).toContain('text');
    const byPicture = await engine.search({
      image: new Uint8Array(await solid(220, 20, 20)),
      n: 1,
      modality: 'any',
    });
    expect(byPicture[0]).toMatchObject({ id: 'red', modality: 'image' });
    await engine.close();
    await store.close();

    const plain = await storeWith({
      text: { name: 'builtin', options: { dim: 32 } },
      image: { name: 'builtin' },
    });
    const e2 = await Engine.open(plain);
    await e2.upsertItems([item('red', { text: { title: 'crimson poster' }, image: 'img/red.png' })]);
    expect(await e2.search({ text: 'a red square', n: 5, modality: 'image' })).toEqual([]);
    await e2.close();
    await plain.close();
  }, 60_000);
});
