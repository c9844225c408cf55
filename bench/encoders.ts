/**
 * Built-in encoder speed: items/s of the text encoder on the TMDB overviews (title + overview,
 * 4,803 texts), of the image encoder on the ml-latest-small posters (92x138 JPEG; a sample, or
 * all 9,517 with --posters all) and of the MFCC encoder on generated demo clips (1 s, 16 kHz, as
 * the demo catalog's), each on the main thread and on the worker pool; then the feature cache's
 * effect (the encode job run twice on a fresh cache) and the peak RSS. Prints a table, writes
 * bench/results/encoders.json.
 *
 * Each timing is the best of --repeat runs (default 2; the pool's time includes starting its threads).
 *
 *   node --import tsx bench/encoders.ts [--posters 2000|all] [--clips 500] [--workers N] [--repeat 2] [--svd]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Dataset } from '../src/data/dataset.js';
import { IdMap } from '../src/data/id-map.js';
import { LogBuilder } from '../src/data/log.js';
import type { Item } from '../src/data/types.js';
import { renderAudio } from '../src/demo/audio.js';
import { makeStyles } from '../src/demo/styles.js';
import type { EncodeResult, EncoderInput, MediaKind } from '../src/encoders/encoder.js';
import { encodeInPool, encodeSerial } from '../src/encoders/pool.js';
import { createEncoder, type EncoderOptions } from '../src/encoders/registry.js';
import { textTable } from '../src/experiment/report.js';
import { datasetPath } from '../src/io/data-root.js';
import { encodeCatalog } from '../src/jobs/encode.js';
import { Rng } from '../src/util/rng.js';
import { defaultWorkers } from '../src/util/workers.js';

const arg = (name: string): string | undefined => {
  const k = process.argv.indexOf(`--${name}`);
  return k < 0 ? undefined : process.argv[k + 1];
};
const posterArg = arg('posters') ?? '2000';
const nClips = Number(arg('clips') ?? 500);
const workers = Number(arg('workers') ?? defaultWorkers());
const withSvd = process.argv.includes('--svd');
const repeat = Math.max(1, Number(arg('repeat') ?? 2));

let peak = 0;
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 25);
const tmp = mkdtempSync(join(tmpdir(), 'fusionrec-bench-enc-'));

interface Row {
  encoder: string;
  data: string;
  items: number;
  mode: string;
  fitSeconds: number;
  seconds: number;
  itemsPerSecond: number;
  failed: number;
  peakRssMb: number;
}
const rows: Row[] = [];

async function measure(
  kind: MediaKind,
  name: string,
  options: EncoderOptions,
  data: string,
  inputs: EncoderInput[],
) {
  const enc = await createEncoder(kind, name, options);
  const tf = performance.now();
  if (enc.fit) await enc.fit(inputs);
  const fitSeconds = (performance.now() - tf) / 1000;
  const state = (enc as { exportState?: () => unknown }).exportState?.call(enc);
  for (const mode of ['main thread', `pool x${workers}`]) {
    peak = 0;
    let seconds = Number.POSITIVE_INFINITY;
    let r: EncodeResult | undefined;
    for (let rep = 0; rep < repeat; rep++) {
      const t0 = performance.now();
      r =
        mode === 'main thread'
          ? await encodeSerial(enc, inputs, 32)
          : await encodeInPool(inputs, {
              kind,
              name,
              options,
              ...(state ? { state } : {}),
              workers,
              expectId: enc.id,
            });
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    sample();
    const failed = r!.ok.length - r!.ok.reduce((a, b) => a + b, 0);
    const row = {
      encoder: enc.id.split(':idf=')[0]!,
      data,
      items: inputs.length,
      mode,
      fitSeconds,
      seconds,
      itemsPerSecond: inputs.length / seconds,
      failed,
      peakRssMb: peak / 2 ** 20,
    };
    rows.push(row);
    console.error(`${row.encoder} ${mode}: ${row.itemsPerSecond.toFixed(1)} items/s`);
  }
  await enc.dispose();
}

// Text: TMDB overviews.
const tmdb = parse(readFileSync(datasetPath('tmdb-5000-movies', 'tmdb_5000_movies.csv')), {
  columns: true,
}) as Record<string, string>[];
const texts: EncoderInput[] = tmdb.map((r) => ({ id: r.id!, text: `${r.title}\n${r.overview}` }));
await measure('text', 'builtin', {}, 'TMDB overviews', texts);
if (withSvd) await measure('text', 'builtin', { method: 'svd' }, 'TMDB overviews', texts);

// Images: ml-latest-small posters (a deterministic sample: every k-th poster in index order).
const index = parse(readFileSync(datasetPath('ml-latest-small-posters', 'posters_index.csv')), {
  columns: true,
}) as Record<string, string>[];
const nPosters = posterArg === 'all' ? index.length : Math.min(index.length, Number(posterArg));
const step = index.length / nPosters;
const posters: EncoderInput[] = Array.from({ length: nPosters }, (_, k) => {
  const r = index[Math.floor(k * step)]!;
  return { id: r.movieId!, path: datasetPath('ml-latest-small-posters', r.file!) };
});
await measure(
  'image',
  'builtin',
  {},
  `ml posters 92x138 (${nPosters === index.length ? 'all' : 'sample'})`,
  posters,
);

// Audio: generated demo clips.
const rng = new Rng(11);
const styles = makeStyles(8, rng);
const clipDir = join(tmp, 'clips');
mkdirSync(clipDir);
const clips: EncoderInput[] = Array.from({ length: nClips }, (_, k) => {
  const path = join(clipDir, `${k}.wav`);
  writeFileSync(path, renderAudio(styles[k % styles.length]!, rng.fork(), 1, 16000));
  return { id: String(k), path };
});
await measure('audio', 'mfcc', {}, 'demo clips 1 s 16 kHz', clips);

// Cache effect: the encode job twice on a fresh cache (text + posters + clips as one catalog).
const items: Item[] = [...texts.slice(0, posters.length), ...posters, ...clips].map((x, k) => ({
  id: `x${k}`,
  text: x.text ? { title: x.text } : ({} as Record<string, string>),
  ...(x.path?.endsWith('.jpg') ? { image: x.path } : {}),
  ...(x.path?.endsWith('.wav') ? { audio: x.path } : {}),
  categories: [],
  attributes: {},
  vectors: {},
  timestamp: 0,
}));
const ds: Dataset = {
  name: 'bench',
  source: tmp,
  users: new IdMap(),
  items: IdMap.from(items.map((x) => x.id)),
  log: new LogBuilder().build(),
  catalog: items,
  modalities: [],
};
const cachePath = join(tmp, 'features.sqlite');
const cacheRuns: { run: string; seconds: number; encoded: number; cached: number }[] = [];
for (const run of ['cold cache', 'warm cache']) {
  const t0 = performance.now();
  const r = await encodeCatalog(ds, tmp, {
    text: { name: 'builtin' },
    image: { name: 'builtin' },
    audio: { name: 'mfcc' },
    cachePath,
    workers,
  });
  const reps = Object.values(r.report);
  cacheRuns.push({
    run,
    seconds: (performance.now() - t0) / 1000,
    encoded: reps.reduce((a, x) => a + x.encoded, 0),
    cached: reps.reduce((a, x) => a + x.cached, 0),
  });
}
clearInterval(timer);
sample();
rmSync(tmp, { recursive: true, force: true });

const fmt = (x: number, d = 1) => x.toFixed(d);
console.log(
  textTable(
    ['encoder', 'data', 'items', 'mode', 'fit s', 'encode s', 'items/s', 'failed', 'peak RSS MB'],
    rows.map((r) => [
      r.encoder,
      r.data,
      String(r.items),
      r.mode,
      fmt(r.fitSeconds, 2),
      fmt(r.seconds, 2),
      fmt(r.itemsPerSecond),
      String(r.failed),
      fmt(r.peakRssMb, 0),
    ]),
  ),
);
console.log(
  `\n${textTable(
    ['encode job', 'items', 'seconds', 'encoded', 'cached'],
    cacheRuns.map((c) => [
      c.run,
      String(ds.items.size),
      fmt(c.seconds, 2),
      String(c.encoded),
      String(c.cached),
    ]),
  )}`,
);
console.log(
  `\npeak RSS ${fmt(peak / 2 ** 20, 0)} MB; ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}); ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
);
mkdirSync('bench/results', { recursive: true });
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model,
  loadAverage: loadavg(),
  workers,
  repeat,
  encoders: rows,
  cache: cacheRuns,
  peakRssMb: peak / 2 ** 20,
};
writeFileSync('bench/results/encoders.json', `${JSON.stringify(result, null, 2)}\n`);
console.log('written to bench/results/encoders.json');
