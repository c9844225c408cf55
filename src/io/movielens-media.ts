/**
 * @module io/movielens-media
 * MovieLens ml-latest-small with content: poster thumbnails (`ml-latest-small-posters`: one
 * 92x138 JPEG per movie for 9,517 of the 9,742 movies, listed in `posters_index.csv`) and TMDB
 * overviews (`tmdb-5000-movies/tmdb_5000_movies.csv`, joined through `links.csv`'s tmdbId; 3,537
 * movies match). See each folder's PROVENANCE.md: internal research use only.
 */
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { NotFoundError } from '../errors.js';
import { readCsv, requireColumns } from './csv.js';
import { isFile } from './lines.js';
import { loadMovieLens } from './movielens.js';

/** Options of {@link loadMovieLensMultimodal}. */
export interface MovieLensMultimodalOptions {
  /** Positive rules on ratings, e.g. ["rating>=4"] (default: every rating). */
  positive?: string[];
  /** Dataset name (default "ml-latest-small-mm"). */
  name?: string;
}

/** The folder and file names under the data root. */
export const MOVIELENS_MM_PARTS = {
  ratings: 'ml-latest-small',
  posters: 'ml-latest-small-posters',
  posterIndex: 'posters_index.csv',
  tmdb: 'tmdb-5000-movies',
  tmdbFile: 'tmdb_5000_movies.csv',
} as const;

async function need(file: string, what: string): Promise<string> {
  if (!(await isFile(file))) throw new NotFoundError(`${what} ${file} does not exist`);
  return file;
}

/** movieId -> absolute poster path, from posters_index.csv (columns movieId, file). */
async function readPosters(dir: string): Promise<Map<string, string>> {
  const file = await need(join(dir, MOVIELENS_MM_PARTS.posterIndex), 'poster index');
  const out = new Map<string, string>();
  let c = { id: 0, file: 0 };
  const rows = readCsv(file, (h) => {
    requireColumns(h, file, ['movieId', 'file']);
    c = { id: h.indexOf('movieId'), file: h.indexOf('file') };
  });
  for await (const { values } of rows) {
    const id = values[c.id]!.trim();
    const path = values[c.file]!.trim();
    if (id !== '' && path !== '') out.set(id, resolve(dir, path));
  }
  return out;
}

/** movieId -> tmdbId (and imdbId), from links.csv. */
async function readLinks(file: string): Promise<Map<string, { tmdb: string; imdb: string }>> {
  const out = new Map<string, { tmdb: string; imdb: string }>();
  let c = { id: 0, tmdb: 0, imdb: 0 };
  const rows = readCsv(file, (h) => {
    requireColumns(h, file, ['movieId', 'tmdbId']);
    c = { id: h.indexOf('movieId'), tmdb: h.indexOf('tmdbId'), imdb: h.indexOf('imdbId') };
  });
  for await (const { values } of rows) {
    out.set(values[c.id]!.trim(), {
      tmdb: values[c.tmdb]!.trim(),
      imdb: c.imdb >= 0 ? values[c.imdb]!.trim() : '',
    });
  }
  return out;
}

/** TMDb id -> { overview, tagline }, from tmdb_5000_movies.csv (multi-line quoted fields). */
async function readOverviews(file: string): Promise<Map<string, { overview: string; tagline: string }>> {
  const out = new Map<string, { overview: string; tagline: string }>();
  let c = { id: 0, overview: 0, tagline: -1 };
  const rows = readCsv(file, (h) => {
    requireColumns(h, file, ['id', 'overview']);
    c = { id: h.indexOf('id'), overview: h.indexOf('overview'), tagline: h.indexOf('tagline') };
  });
  for await (const { values } of rows) {
    const overview = values[c.overview]!.replace(/\s+/g, ' ').trim();
    const tagline = c.tagline >= 0 ? values[c.tagline]!.replace(/\s+/g, ' ').trim() : '';
    out.set(values[c.id]!.trim(), { overview, tagline });
  }
  return out;
}

/**
 * Loads ml-latest-small from `dataRoot` with posters and TMDB overviews attached to its catalog:
 * each movie has text { title, overview } (overview only where TMDB has one), `image` = the
 * absolute poster path (where a poster exists), attributes tmdbId / imdbId. Item indices and
 * users are those of {@link loadMovieLens}. Proposed dataset spec: `movielens-mm:<dataRoot>`.
 * Throws NotFoundError naming the first of the three folders that is missing.
 */
export async function loadMovieLensMultimodal(
  dataRoot: string,
  options: MovieLensMultimodalOptions = {},
): Promise<Dataset> {
  const root = resolve(dataRoot);
  const ml = join(root, MOVIELENS_MM_PARTS.ratings);
  await need(join(ml, 'ratings.csv'), 'MovieLens ratings');
  const links = await readLinks(await need(join(ml, 'links.csv'), 'MovieLens links'));
  const posters = await readPosters(join(root, MOVIELENS_MM_PARTS.posters));
  const overviews = await readOverviews(
    await need(join(root, MOVIELENS_MM_PARTS.tmdb, MOVIELENS_MM_PARTS.tmdbFile), 'TMDB movie list'),
  );
  const ds = await loadMovieLens(ml, {
    name: options.name ?? 'ml-latest-small-mm',
    ...(options.positive ? { positive: options.positive } : {}),
  });
  for (const item of ds.catalog ?? []) {
    if (!item) continue;
    const link = links.get(item.id);
    if (link?.tmdb) item.attributes.tmdbId = Number(link.tmdb);
    if (link?.imdb) item.attributes.imdbId = link.imdb;
    const text = link?.tmdb ? overviews.get(link.tmdb) : undefined;
    if (text?.overview) item.text.overview = text.overview;
    const poster = posters.get(item.id);
    if (poster) item.image = poster;
  }
  return { ...ds, source: `movielens-mm:${root}` };
}
