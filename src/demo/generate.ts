/**
 * @module demo/generate
 * The built-in, seeded generator of a multimodal demo catalog: {@link generateDemo} writes a
 * folder in fusionrec's generic catalog format (text, PNG images, WAV clips, feedback events)
 * atomically, and {@link ensureDemo} reuses an existing folder made with the same parameters.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { renderAudio } from './audio.js';
import { renderImage } from './image.js';
import {
  audioPath,
  type DemoParams,
  type DemoStats,
  eventsJsonl,
  GENERATOR_VERSION,
  imagePath,
  itemsJsonl,
  manifestJson,
  readme,
  truthJson,
  usersJsonl,
  worldStats,
} from './output.js';
import { makeStyles } from './styles.js';
import { makeText } from './text.js';
import { buildWorld } from './world.js';

export type { DemoParams, DemoStats } from './output.js';

/** Size and shape of the demo catalog; every field has a default. */
export interface DemoOptions {
  /** Number of items (default 1500, at least 10). */
  items?: number;
  /** Number of users (default 2000). */
  users?: number;
  /** Number of latent styles (default 8, 1-64). */
  styles?: number;
  /** Seed of every random choice (default 42). */
  seed?: number;
  /** Side of the square images in pixels (default 64). */
  imageSize?: number;
  /** Length of the audio clips in seconds (default 1). */
  audioSeconds?: number;
  /** Audio sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Share of the newest items that get no feedback (default 0.1, at most 0.5). */
  coldFraction?: number;
}

/** What {@link generateDemo} or {@link ensureDemo} produced. */
export interface DemoSummary extends DemoStats {
  /** The catalog folder (absolute path). */
  dir: string;
  params: DemoParams;
  /** Style names, in style index order. */
  styles: string[];
  /** False when an existing folder was reused. */
  generated: boolean;
  /** Wall-clock seconds spent (generating, or checking the existing folder). */
  seconds: number;
}

const MEDIA_BATCH = 64;
let tmpSeq = 0;

function checkInt(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`demo option "${name}" must be an integer in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

function checkNum(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`demo option "${name}" must be a number in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

/** The full parameter set for `options`, validated (throws InvalidArgumentError). */
export function resolveDemoParams(options: DemoOptions = {}): DemoParams {
  return {
    seed: checkInt('seed', options.seed ?? 42, -2147483648, 4294967295),
    items: checkInt('items', options.items ?? 1500, 10, 200_000),
    users: checkInt('users', options.users ?? 2000, 1, 1_000_000),
    styles: checkInt('styles', options.styles ?? 8, 1, 64),
    version: GENERATOR_VERSION,
    imageSize: checkInt('imageSize', options.imageSize ?? 64, 8, 1024),
    audioSeconds: checkNum('audioSeconds', options.audioSeconds ?? 1, 0.05, 30),
    sampleRate: checkInt('sampleRate', options.sampleRate ?? 16000, 4000, 96000),
    coldFraction: checkNum('coldFraction', options.coldFraction ?? 0.1, 0, 0.5),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The generator parameters recorded in `dir/fusionrec.json`, or undefined when it has none. */
async function readGenerator(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    const manifest: unknown = JSON.parse(await readFile(join(dir, 'fusionrec.json'), 'utf8'));
    const gen = (manifest as { generator?: unknown } | null)?.generator;
    return typeof gen === 'object' && gen !== null ? (gen as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses to replace anything but a missing or empty folder or an earlier demo catalog. */
async function checkReplaceable(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined) return;
  if (st.isDirectory()) {
    if ((await readdir(dir)).length === 0 || (await readGenerator(dir)) !== undefined) return;
  }
  throw new AlreadyExistsError(`"${dir}" exists and is not a fusionrec demo catalog; choose another folder`);
}

async function writeCatalog(
  tmp: string,
  params: DemoParams,
): Promise<{ stats: DemoStats; styles: string[] }> {
  const root = new Rng(params.seed);
  const styles = makeStyles(params.styles, root.fork());
  const world = buildWorld(root.fork(), styles, params.items, params.users, params.coldFraction);
  const textRng = root.fork();
  const texts = world.items.map((it) => makeText(textRng, styles[it.style]!, styles));
  await mkdir(join(tmp, 'images'), { recursive: true });
  await mkdir(join(tmp, 'audio'), { recursive: true });
  for (let start = 0; start < world.items.length; start += MEDIA_BATCH) {
    const writes: Promise<void>[] = [];
    for (const it of world.items.slice(start, start + MEDIA_BATCH)) {
      const style = styles[it.style]!;
      const rng = new Rng(it.mediaSeed);
      const png = renderImage(style, rng.fork(), params.imageSize);
      const wav = renderAudio(style, rng.fork(), params.audioSeconds, params.sampleRate);
      writes.push(writeFile(join(tmp, imagePath(it.id)), png), writeFile(join(tmp, audioPath(it.id)), wav));
    }
    await Promise.all(writes);
  }
  const stats = worldStats(world);
  await Promise.all([
    writeFile(join(tmp, 'items.jsonl'), itemsJsonl(world, styles, texts)),
    writeFile(join(tmp, 'events.jsonl'), eventsJsonl(world)),
    writeFile(join(tmp, 'users.jsonl'), usersJsonl(world)),
    writeFile(join(tmp, 'truth.json'), truthJson(world, styles, params)),
    writeFile(join(tmp, 'README.md'), readme(params, stats, styles)),
  ]);
  // Written last: its presence marks a complete catalog.
  await writeFile(join(tmp, 'fusionrec.json'), manifestJson(params));
  return { stats, styles: styles.map((s) => s.name) };
}

/**
 * Generates the demo catalog into `dir`, replacing an earlier demo catalog there. Works in a
 * sibling folder `dir.tmp-<pid>-…` and renames it into place at the end, so a crash never
 * leaves a half-written `dir`. The same options give byte-identical files.
 * @throws InvalidArgumentError for options out of range; AlreadyExistsError when `dir` holds
 * something other than a demo catalog.
 */
export async function generateDemo(dir: string, options: DemoOptions = {}): Promise<DemoSummary> {
  const t0 = performance.now();
  const params = resolveDemoParams(options);
  dir = resolve(dir);
  await checkReplaceable(dir);
  const suffix = `${process.pid}-${threadId}-${tmpSeq++}`;
  const tmp = `${dir}.tmp-${suffix}`;
  const old = `${dir}.old-${suffix}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    const { stats, styles } = await writeCatalog(tmp, params);
    await checkReplaceable(dir);
    const hadOld = await exists(dir);
    if (hadOld) await rename(dir, old);
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return { dir, params, styles, ...stats, generated: true, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Summary of a complete demo catalog in `dir` made with `params`, or undefined. */
async function existingSummary(
  dir: string,
  params: DemoParams,
): Promise<Omit<DemoSummary, 'seconds'> | undefined> {
  const gen = await readGenerator(dir);
  if (gen === undefined) return undefined;
  const keys = Object.keys(params) as (keyof DemoParams)[];
  if (Object.keys(gen).length !== keys.length || keys.some((k) => gen[k] !== params[k])) return undefined;
  try {
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as {
      stats: DemoStats;
      styles: { name: string }[];
    };
    for (const f of ['items.jsonl', 'events.jsonl', 'users.jsonl'])
      if (!(await exists(join(dir, f)))) return undefined;
    const [images, audio] = await Promise.all([readdir(join(dir, 'images')), readdir(join(dir, 'audio'))]);
    if (images.length !== truth.stats.items || audio.length !== truth.stats.items) return undefined;
    const { items, users, events, coldItems } = truth.stats;
    return {
      dir,
      params,
      styles: truth.styles.map((s) => s.name),
      items,
      users,
      events,
      coldItems,
      generated: false,
    };
  } catch {
    return undefined;
  }
}

/**
 * Makes sure `dir` holds the demo catalog for `options`: reuses it when its `fusionrec.json`
 * records the same generator parameters and it is complete, otherwise (re)generates it.
 * @throws as {@link generateDemo}.
 */
export async function ensureDemo(dir: string, options: DemoOptions = {}): Promise<DemoSummary> {
  const t0 = performance.now();
  const params = resolveDemoParams(options);
  dir = resolve(dir);
  const found = await existingSummary(dir, params);
  if (found !== undefined) return { ...found, seconds: (performance.now() - t0) / 1000 };
  return generateDemo(dir, options);
}
