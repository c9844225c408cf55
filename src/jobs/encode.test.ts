import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { renderAudio } from '../demo/audio.js';
import { renderImage } from '../demo/image.js';
import { makeStyles } from '../demo/styles.js';
import type { Encoder } from '../encoders/encoder.js';
import { createBuiltinImageEncoder } from '../encoders/image/builtin.js';
import { loadCatalog } from '../io/catalog.js';
import { attachNpyModality } from '../io/modality-file.js';
import { Rng } from '../util/rng.js';
import { encodeCatalog, writeModalities } from './encode.js';
import { itemText } from './encode-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-encode-'));
const catalog = join(dir, 'catalog');
const cachePath = join(dir, 'features.sqlite');
let ds: Dataset;
let pngBytes: Buffer;

beforeAll(async () => {
  const rng = new Rng(3);
  const styles = makeStyles(4, rng);
  mkdirSync(join(catalog, 'media'), { recursive: true });
  const items: Record<string, unknown>[] = [];
  for (let k = 0; k < 12; k++) {
    const style = styles[k % 4]!;
    writeFileSync(join(catalog, 'media', `${k}.png`), renderImage(style, rng, 32));
    writeFileSync(join(catalog, 'media', `${k}.wav`), renderAudio(style, rng, 0.3, 8000));
    items.push({
      id: `it${k}`,
      text: { title: `${style.name} item ${k}`, description: `a ${style.name} thing with ${k % 3} parts` },
      image: `media/${k}.png`,
      audio: join(catalog, 'media', `${k}.wav`),
    });
  }
  pngBytes = readFileSync(join(catalog, 'media', '0.png'));
  writeFileSync(join(catalog, 'media', 'corrupt.png'), Buffer.from('not a picture at all'));
  items.push({ id: 'no-media', text: { title: 'plain' } });
  items.push({ id: 'empty-text', text: { title: '  ' }, image: 'media/1.png', audio: 'media/nope.wav' });
  items.push({ id: 'corrupt', text: { title: 'corrupt one' }, image: 'media/corrupt.png' });
  items.push({ id: 'remote', text: { title: 'remote one' }, image: 'https://example.com/p.png' });
  items.push({
    id: 'dup',
    text: { title: `${styles[0]!.name} item 0`, description: `a ${styles[0]!.name} thing with 0 parts` },
    image: 'media/0.png',
  });
  writeFileSync(join(catalog, 'items.jsonl'), `${items.map((x) => JSON.stringify(x)).join('\n')}\n`);
  writeFileSync(
    join(catalog, 'events.jsonl'),
    `${JSON.stringify({ user: 'u', item: 'it0', type: 'click' })}\n`,
  );
  ds = (await loadCatalog(catalog)).dataset;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Wraps an encoder, counting encode() calls and inputs. */
function counting(inner: Encoder): Encoder & { calls: number; inputs: number } {
  const c = {
    calls: 0,
    inputs: 0,
    id: inner.id,
    kind: inner.kind,
    dims: inner.dims,
    async encode(batch: Parameters<Encoder['encode']>[0]) {
      c.calls++;
      c.inputs += batch.length;
      return inner.encode(batch);
    },
    dispose: () => inner.dispose(),
  };
  return c;
}

describe('itemText', () => {
  it('joins title, description, then the other fields, skipping empty ones', () => {
    const text = { tags: 'x y', description: 'desc', title: 'T', empty: ' ' };
    expect(itemText({ id: 'a', text, categories: [], attributes: {}, vectors: {}, timestamp: 0 })).toBe(
      'T\ndesc\nx y',
    );
  });
});

describe('encodeCatalog', () => {
  it('encodes text, image and audio with presence masks, missing and failed items reported', async () => {
    const { modalities, report } = await encodeCatalog(ds, catalog, {
      text: { name: 'builtin', options: { dim: 32 } },
      image: { name: 'builtin' },
      audio: { name: 'mfcc' },
      cachePath,
      workers: 1,
    });
    expect(modalities.map((m) => m.name)).toEqual(['text', 'image', 'audio']);
    const text = modalities[0]!;
    const image = modalities[1]!;
    const n = ds.items.size;
    const at = (id: string) => ds.items.index(id);
    expect(text.dim).toBe(32);
    expect(report.text).toMatchObject({ items: n, encoded: n - 1, cached: 0, missing: 1, failed: [] });
    expect(text.present[at('empty-text')]).toBe(0);
    expect(report.image).toMatchObject({ items: n, encoded: 14, cached: 0, missing: 1 });
    expect(report.image!.failed.map((f) => f.id)).toEqual(['corrupt', 'remote']);
    expect(report.image!.failed[1]!.reason).toMatch(/remote media not fetched/);
    expect(image.present[at('no-media')]).toBe(0);
    expect(image.present[at('dup')]).toBe(1);
    const row = (m: typeof image, id: string) =>
      Array.from(m.data.subarray(at(id) * m.dim, (at(id) + 1) * m.dim));
    expect(row(image, 'dup')).toEqual(row(image, 'it0'));
    expect(row(text, 'dup')).toEqual(row(text, 'it0'));
    expect(report.audio).toMatchObject({ encoded: 12, missing: 4 });
    expect(report.audio!.failed).toEqual([
      { id: 'empty-text', reason: expect.stringMatching(/file not found: .*nope\.wav/) },
    ]);
    for (const r of Object.values(report)) expect(r.encoded + r.cached + r.missing + r.failed.length).toBe(n);
  });

  it('reuses cached vectors on a second run without calling the encoder', async () => {
    const c2 = join(dir, 'c2.sqlite');
    const first = counting(createBuiltinImageEncoder());
    const fresh = await encodeCatalog(ds, catalog, { image: { encoder: first }, cachePath: c2 });
    // 14 items have pictures; "dup" and "empty-text" share it0's and it1's bytes; "corrupt" fails.
    expect(first.inputs).toBe(13);
    const second = counting(createBuiltinImageEncoder());
    const again = await encodeCatalog(ds, catalog, { image: { encoder: second }, cachePath: c2 });
    // Failures are not cached: only the corrupt picture is tried again.
    expect(second.inputs).toBe(1);
    expect(again.report.image).toMatchObject({ encoded: 0, cached: 14, missing: 1 });
    expect(again.report.image!.failed.map((f) => f.id)).toEqual(['corrupt', 'remote']);
    expect(Array.from(again.modalities[0]!.data)).toEqual(Array.from(fresh.modalities[0]!.data));
    // Through the registry, the text encoder is fitted again, gets the same id, and finds everything cached.
    const byName = await encodeCatalog(ds, catalog, {
      text: { name: 'builtin', options: { dim: 32 } },
      audio: { name: 'mfcc' },
      cachePath,
    });
    expect(byName.report.text).toMatchObject({ encoded: 0, cached: ds.items.size - 1 });
    expect(byName.report.audio).toMatchObject({ encoded: 0, cached: 12 });
    // With a complete cache no encode() call happens at all.
    const audio = counting(await (await import('../encoders/audio/mfcc.js')).createMfccAudioEncoder());
    await encodeCatalog(ds, catalog, { audio: { encoder: audio }, cachePath });
    expect(audio.calls).toBe(0);
  });

  it('gives the same vectors on worker threads as on the main thread', async () => {
    const opts = {
      text: { name: 'builtin', options: { dim: 16 } },
      image: { name: 'builtin' },
      audio: { name: 'mfcc' },
    };
    const one = await encodeCatalog(ds, catalog, { ...opts, workers: 1 });
    const two = await encodeCatalog(ds, catalog, { ...opts, workers: 2, minPoolItems: 1, batchSize: 3 });
    expect(Object.values(two.report).map((r) => r.threads)).toEqual([2, 2, 2]);
    two.modalities.forEach((m, k) => {
      expect(Buffer.from(m.data.buffer).equals(Buffer.from(one.modalities[k]!.data.buffer))).toBe(true);
      expect(Array.from(m.present)).toEqual(Array.from(one.modalities[k]!.present));
    });
    expect(two.report.image!.failed).toEqual(one.report.image!.failed);
  });

  it('fetches remote media only when allowed', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string) => {
      urls.push(url);
      return new Response(pngBytes);
    }) as unknown as typeof fetch;
    const r = await encodeCatalog(ds, catalog, {
      image: { name: 'builtin' },
      allowRemote: true,
      fetch: fakeFetch,
      workers: 1,
    });
    expect(urls).toEqual(['https://example.com/p.png']);
    expect(r.report.image!.failed.map((f) => f.id)).toEqual(['corrupt']);
  });

  it('writes one .npy per modality, items.json and the report, readable by attachNpyModality', async () => {
    const { modalities, report } = await encodeCatalog(ds, catalog, {
      image: { name: 'builtin' },
      workers: 1,
    });
    const out = join(dir, 'out');
    const files = await writeModalities(out, ds, modalities, report);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'image.npy',
      'items.json',
      'encode-report.json',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'items.json'), 'utf8'))).toEqual(ds.items.ids());
    const rep = JSON.parse(readFileSync(join(out, 'encode-report.json'), 'utf8'));
    expect(rep.modalities.image).toMatchObject({ file: 'image.npy', present: 14 });
    const copy: Dataset = { ...ds, modalities: [] };
    const m = await attachNpyModality(copy, 'image', join(out, 'image.npy'));
    expect(Array.from(m.present)).toEqual(Array.from(modalities[0]!.present));
  });

  it('reports every item missing when the dataset has no catalog', async () => {
    const { catalog: _, ...rest } = ds;
    const r = await encodeCatalog(rest, catalog, {
      text: { name: 'builtin', options: { dim: 8 } },
      audio: { name: 'mfcc' },
    });
    expect(r.report.text).toMatchObject({ encoded: 0, cached: 0, missing: ds.items.size, failed: [] });
    expect(r.report.audio).toMatchObject({ encoded: 0, missing: ds.items.size });
    expect(r.modalities[0]!.present.every((p) => p === 0)).toBe(true);
  });

  it('rejects unknown encoder names with the valid ones', async () => {
    await expect(encodeCatalog(ds, catalog, { image: { name: 'resnet' } })).rejects.toThrow(/builtin, clip/);
  });
});
