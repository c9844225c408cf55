/**
 * @module demo/generate.test
 * The generated demo folder: files, format, ground-truth properties, determinism, reuse.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js';
import { type DemoOptions, type DemoSummary, ensureDemo, generateDemo } from './generate.js';

const SMALL: DemoOptions = {
  items: 60,
  users: 80,
  seed: 7,
  audioSeconds: 0.25,
  sampleRate: 8000,
  imageSize: 32,
};

interface Truth {
  items: { id: string; style: string; cold: boolean }[];
  users: { id: string; favourites: string[] }[];
  coldItems: string[];
}

let root = '';
let dir = '';
let summary: DemoSummary;

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fusionrec-demo-'));
  dir = join(root, 'demo');
  summary = await generateDemo(dir, SMALL);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateDemo', () => {
  it('writes every file of the catalog format and nothing beside the folder', async () => {
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      'README.md',
      'audio',
      'events.jsonl',
      'fusionrec.json',
      'images',
      'items.jsonl',
      'truth.json',
      'users.jsonl',
    ]);
    expect(await readdir(root)).toEqual(['demo']);
    expect((await readdir(join(dir, 'images'))).length).toBe(60);
    expect((await readdir(join(dir, 'audio'))).length).toBe(60);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toMatch(/synthetic/i);
    const manifest = JSON.parse(await readFile(join(dir, 'fusionrec.json'), 'utf8'));
    expect(manifest.name).toBe('demo');
    expect(manifest.positive).toEqual(['click', 'like', 'purchase', 'rating>=4']);
    expect(manifest.generator).toMatchObject({ seed: 7, items: 60, users: 80, styles: 8, version: 1 });
    expect(summary).toMatchObject({ items: 60, users: 80, generated: true, coldItems: 6 });
    expect(summary.styles).toHaveLength(8);
  });

  it('writes items, users and events that parse and refer to each other', async () => {
    const items = await lines(join(dir, 'items.jsonl'));
    const users = await lines(join(dir, 'users.jsonl'));
    const events = await lines(join(dir, 'events.jsonl'));
    expect(items).toHaveLength(60);
    expect(users).toHaveLength(80);
    expect(events.length).toBe(summary.events);
    const first = items[0] as {
      id: string;
      text: { title: string; description: string };
      categories: string[];
    };
    expect(first.id).toBe('item-0001');
    expect(first.text.title.length).toBeGreaterThan(0);
    expect(first.text.description.length).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({ image: 'images/item-0001.png', audio: 'audio/item-0001.wav' });
    for (const it of items) {
      const attrs = it.attributes as { price: number; year: number; style: string };
      expect((it.categories as string[])[0]).toBe(attrs.style);
      expect(attrs.price).toBeGreaterThan(0);
      expect(attrs.year).toBeGreaterThanOrEqual(2019);
      await stat(join(dir, it.image as string));
    }
    const itemIds = new Set(items.map((it) => it.id));
    const userIds = new Set(users.map((u) => u.id));
    let prev = 0;
    for (const e of events) {
      expect(itemIds.has(e.item)).toBe(true);
      expect(userIds.has(e.user)).toBe(true);
      expect(['click', 'like', 'purchase', 'rating']).toContain(e.type);
      const v = e.value as number;
      expect(e.type === 'rating' ? v >= 1 && v <= 5 && Number.isInteger(v) : v === 1).toBe(true);
      expect(e.timestamp as number).toBeGreaterThanOrEqual(prev);
      prev = e.timestamp as number;
    }
    const perUser = new Map<unknown, number>();
    for (const e of events) perUser.set(e.user, (perUser.get(e.user) ?? 0) + 1);
    expect(perUser.size).toBe(80);
    expect(Math.min(...perUser.values())).toBeGreaterThanOrEqual(5);
  });

  it('leaves the newest ~10% of items without feedback, and users mostly on favourite styles', async () => {
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Truth;
    const items = await lines(join(dir, 'items.jsonl'));
    const events = await lines(join(dir, 'events.jsonl'));
    expect(truth.coldItems).toHaveLength(6);
    const cold = new Set(truth.coldItems);
    const newestWarm = Math.max(
      ...items.filter((it) => !cold.has(it.id as string)).map((it) => it.timestamp as number),
    );
    for (const it of items)
      if (cold.has(it.id as string)) expect(it.timestamp as number).toBeGreaterThan(newestWarm);
    expect(events.filter((e) => cold.has(e.item as string))).toEqual([]);
    const styleOf = new Map(truth.items.map((it) => [it.id, it.style]));
    const favs = new Map(truth.users.map((u) => [u.id, new Set(u.favourites)]));
    const onFav = events.filter((e) => favs.get(e.user as string)?.has(styleOf.get(e.item as string) ?? ''));
    expect(onFav.length / events.length).toBeGreaterThan(0.6);
    const itemStyle = new Map(items.map((it) => [it.id, (it.attributes as { style: string }).style]));
    for (const it of truth.items) expect(itemStyle.get(it.id)).toBe(it.style);
  });

  it('is deterministic: same seed same bytes, other seed other data', async () => {
    const again = join(root, 'again');
    const other = join(root, 'other');
    await generateDemo(again, SMALL);
    await generateDemo(other, { ...SMALL, seed: 8 });
    for (const f of [
      'items.jsonl',
      'events.jsonl',
      'users.jsonl',
      'images/item-0005.png',
      'audio/item-0005.wav',
    ]) {
      expect((await readFile(join(again, f))).equals(await readFile(join(dir, f)))).toBe(true);
    }
    for (const f of ['items.jsonl', 'events.jsonl', 'images/item-0005.png', 'audio/item-0005.wav']) {
      expect((await readFile(join(other, f))).equals(await readFile(join(dir, f)))).toBe(false);
    }
    await rm(again, { recursive: true });
    await rm(other, { recursive: true });
  });
});

describe('ensureDemo', () => {
  it('reuses a complete folder with the same parameters and regenerates otherwise', async () => {
    const target = join(root, 'ensure');
    const first = await ensureDemo(target, SMALL);
    expect(first.generated).toBe(true);
    const mtime = (await stat(join(target, 'events.jsonl'))).mtimeMs;
    const second = await ensureDemo(target, SMALL);
    expect(second).toMatchObject({ generated: false, items: 60, events: first.events, styles: first.styles });
    expect((await stat(join(target, 'events.jsonl'))).mtimeMs).toBe(mtime);
    const third = await ensureDemo(target, { ...SMALL, users: 30 });
    expect(third).toMatchObject({ generated: true, users: 30 });
    expect((await lines(join(target, 'users.jsonl'))).length).toBe(30);
    await rm(join(target, 'audio', 'item-0003.wav'));
    expect((await ensureDemo(target, { ...SMALL, users: 30 })).generated).toBe(true);
    await rm(target, { recursive: true });
  });

  it('refuses to replace a folder that is not a demo catalog, and bad options', async () => {
    const foreign = join(root, 'foreign');
    await generateDemo(foreign, SMALL).then(() => rm(join(foreign, 'fusionrec.json')));
    await writeFile(join(foreign, 'mine.txt'), 'keep me');
    await expect(ensureDemo(foreign, SMALL)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await readFile(join(foreign, 'mine.txt'), 'utf8')).toBe('keep me');
    await expect(generateDemo(join(root, 'bad'), { items: 3 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(generateDemo(join(root, 'bad'), { coldFraction: 0.9 })).rejects.toThrow(/coldFraction/);
    await expect(generateDemo(join(root, 'bad'), { seed: 1.5 })).rejects.toThrow(/seed/);
    await rm(foreign, { recursive: true });
    expect((await readdir(root)).sort()).toEqual(['demo']);
  });
});
