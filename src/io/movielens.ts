/**
 * @module io/movielens
 * MovieLens folders: ml-latest(-small) (`ratings.csv`, `movies.csv`) and ml-100k (`u.data`,
 * `u.item` in latin-1, `u.genre`). Ratings become events of type "rating" with value = stars.
 */
import { basename, join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import type { Item } from '../data/types.js';
import { NotFoundError } from '../errors.js';
import { EventCollector, type EventSummary } from './build.js';
import { readCsv, requireColumns } from './csv.js';
import { fail, parseNumberText } from './fields.js';
import { isFile, readLines } from './lines.js';
import { parsePositiveRules } from './positive.js';

/** Options of {@link loadMovieLens}. */
export interface MovieLensOptions {
  /** Positive rules on "rating" events, e.g. ["rating>=4"]; default "*" (every rating). */
  positive?: string[];
  /** Dataset name (default: the folder name). */
  name?: string;
  /** Called with the event counts once loaded. */
  onSummary?: (summary: EventSummary) => void;
}

/** The 19 ml-100k genres in flag order, used when `u.genre` is absent. */
// biome-ignore format: one table
export const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama',
  'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function newItem(id: string, title: string): Item {
  const item: Item = { id, text: { title }, categories: [], attributes: {}, vectors: {}, timestamp: 0 };
  const year = /\((\d{4})\)\s*$/.exec(title);
  if (year) item.attributes.year = Number(year[1]);
  return item;
}

/** ml-latest `movies.csv`: movieId,title,genres (genres separated by `|`). */
async function readMoviesCsv(file: string, items: IdMap, catalog: Item[]): Promise<void> {
  let c = { id: 0, title: 0, genres: 0 };
  const records = readCsv(file, (h) => {
    requireColumns(h, file, ['movieId', 'title', 'genres']);
    c = { id: h.indexOf('movieId'), title: h.indexOf('title'), genres: h.indexOf('genres') };
  });
  for await (const { line, values } of records) {
    const id = values[c.id]!.trim();
    if (id === '') fail({ file, line, field: 'movieId' }, 'a movie id', id);
    if (items.has(id)) fail({ file, line, field: 'movieId' }, 'a unique movie id', id);
    const item = newItem(id, values[c.title]!.trim());
    const genres = values[c.genres]!.trim();
    if (genres !== '(no genres listed)') item.categories = genres.split('|').filter((g) => g !== '');
    items.add(id);
    catalog.push(item);
  }
}

/** ml-100k `u.genre` (name|index per line), or the standard list. */
async function readGenres(file: string): Promise<string[]> {
  if (!(await isFile(file))) return ML100K_GENRES.slice();
  const names: string[] = [];
  for await (const { line, text } of readLines(file, { encoding: 'latin1' })) {
    if (text.trim() === '') continue;
    const [name, idx] = text.split('|');
    const k = parseNumberText(idx ?? '', { file, line, field: 'index' });
    if (!Number.isInteger(k) || k < 0 || name === undefined)
      fail({ file, line, field: 'index' }, 'name|index', text);
    names[k] = name;
  }
  return names;
}

function releaseSeconds(date: string): number {
  const m = /^(\d{2})-([A-Za-z]{3})-(\d{4})$/.exec(date);
  const month = m ? MONTHS.indexOf(m[2]!) : -1;
  return m && month >= 0 ? Date.UTC(Number(m[3]), month, Number(m[1])) / 1000 : 0;
}

/** ml-100k `u.item`: id|title|release date|video release date|IMDb URL|genre flags (latin-1). */
async function readUItem(file: string, genres: string[], items: IdMap, catalog: Item[]): Promise<void> {
  for await (const { line, text } of readLines(file, { encoding: 'latin1' })) {
    if (text.trim() === '') continue;
    const f = text.split('|');
    if (f.length !== 5 + genres.length) {
      fail({ file, line, field: 'columns' }, `${5 + genres.length} |-separated fields`, f.length);
    }
    const id = f[0]!.trim();
    if (id === '' || items.has(id)) fail({ file, line, field: 'movie id' }, 'a unique movie id', id);
    const item = newItem(id, f[1]!.trim());
    const release = f[2]!.trim();
    if (release !== '') item.attributes.releaseDate = release;
    if (f[4]!.trim() !== '') item.attributes.imdbUrl = f[4]!.trim();
    item.timestamp = releaseSeconds(release);
    genres.forEach((g, k) => {
      const flag = f[5 + k]!.trim();
      if (flag !== '0' && flag !== '1') fail({ file, line, field: `genre ${g}` }, '0 or 1', flag);
      if (flag === '1') item.categories.push(g);
    });
    items.add(id);
    catalog.push(item);
  }
}

/**
 * Loads a MovieLens folder, detecting ml-latest (`ratings.csv`) or ml-100k (`u.data`). Movies
 * become catalog items (in file order, text.title, categories = genres, attributes.year); users
 * follow first appearance. A rating of a movie missing from the movie list is an error.
 */
export async function loadMovieLens(dir: string, options: MovieLensOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  const rules = parsePositiveRules(options.positive ?? ['*']);
  const items = new IdMap();
  const catalog: Item[] = [];
  let collector: EventCollector;
  let hasCatalog = false;
  const latest = join(root, 'ratings.csv');
  const uData = join(root, 'u.data');
  if (await isFile(latest)) {
    const movies = join(root, 'movies.csv');
    const hasMovies = await isFile(movies);
    if (hasMovies) await readMoviesCsv(movies, items, catalog);
    hasCatalog = hasMovies;
    collector = new EventCollector(rules, { items, ...(hasMovies ? { closedItems: 'movies.csv' } : {}) });
    let c = { user: 0, item: 0, rating: 0, ts: -1 };
    const records = readCsv(latest, (h) => {
      requireColumns(h, latest, ['userId', 'movieId', 'rating']);
      c = {
        user: h.indexOf('userId'),
        item: h.indexOf('movieId'),
        rating: h.indexOf('rating'),
        ts: h.indexOf('timestamp'),
      };
    });
    for await (const { line, values } of records) {
      const at = (field: string) => ({ file: latest, line, field });
      const user = values[c.user]!.trim();
      const item = values[c.item]!.trim();
      if (user === '') fail(at('userId'), 'a user id', user);
      if (item === '') fail(at('movieId'), 'a movie id', item);
      const value = parseNumberText(values[c.rating]!, at('rating'));
      const timestamp = c.ts < 0 ? 0 : parseNumberText(values[c.ts]!, at('timestamp'), 0);
      collector.add({ user, item, type: 'rating', value, timestamp }, latest, line);
    }
  } else if (await isFile(uData)) {
    const uItem = join(root, 'u.item');
    const hasItems = await isFile(uItem);
    if (hasItems) await readUItem(uItem, await readGenres(join(root, 'u.genre')), items, catalog);
    hasCatalog = hasItems;
    collector = new EventCollector(rules, { items, ...(hasItems ? { closedItems: 'u.item' } : {}) });
    for await (const { line, text } of readLines(uData)) {
      if (text.trim() === '') continue;
      const f = text.trim().split(/\t| +/);
      if (f.length !== 4)
        fail(
          { file: uData, line, field: 'columns' },
          '4 tab-separated fields: user item rating timestamp',
          f.length,
        );
      const value = parseNumberText(f[2]!, { file: uData, line, field: 'rating' });
      const timestamp = parseNumberText(f[3]!, { file: uData, line, field: 'timestamp' });
      collector.add({ user: f[0]!, item: f[1]!, type: 'rating', value, timestamp }, uData, line);
    }
  } else {
    throw new NotFoundError(
      `${dir} is not a MovieLens folder: it has neither ratings.csv (ml-latest) nor u.data (ml-100k)`,
    );
  }
  const { log, summary } = collector.finish();
  options.onSummary?.(summary);
  return {
    name: options.name ?? basename(root),
    source: root,
    users: collector.users,
    items,
    log,
    ...(hasCatalog ? { catalog } : {}),
    modalities: [],
  };
}
