import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { dataRoot, hasDataset } from './data-root.js';
import { loadMovieLensMultimodal } from './movielens-media.js';

const root = mkdtempSync(join(tmpdir(), 'fusionrec-mlmm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fixture(): void {
  const ml = join(root, 'ml-latest-small');
  mkdirSync(ml, { recursive: true });
  writeFileSync(
    join(ml, 'movies.csv'),
    'movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,Heat (1995),Crime\n3,Nowhere (1999),Drama\n',
  );
  writeFileSync(join(ml, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,5,10\n1,2,3,11\n2,3,4.5,12\n');
  writeFileSync(join(ml, 'links.csv'), 'movieId,imdbId,tmdbId\n1,0114709,862\n2,0113277,949\n3,0000001,\n');
  const posters = join(root, 'ml-latest-small-posters');
  mkdirSync(join(posters, 'posters_92x138'), { recursive: true });
  writeFileSync(
    join(posters, 'posters_index.csv'),
    'movieId,file,source_folder,title\n1,posters_92x138/1.jpg,posters,Toy Story (1995)\n3,posters_92x138/3.jpg,posters,Nowhere\n',
  );
  const tmdb = join(root, 'tmdb-5000-movies');
  mkdirSync(tmdb);
  writeFileSync(
    join(tmdb, 'tmdb_5000_movies.csv'),
    'id,overview,tagline,title\n862,"Led by Woody, toys\r\nlive happily.",The adventure,Toy Story\n949,"",,Heat\n',
  );
}

describe('loadMovieLensMultimodal', () => {
  it('attaches overviews through links.csv and absolute poster paths', async () => {
    fixture();
    const ds = await loadMovieLensMultimodal(root, { positive: ['rating>=4'] });
    expect(ds.name).toBe('ml-latest-small-mm');
    expect(ds.log.length).toBe(2);
    const [toy, heat, nowhere] = ds.catalog!;
    expect(toy!.text).toEqual({ title: 'Toy Story (1995)', overview: 'Led by Woody, toys live happily.' });
    expect(toy!.image).toBe(join(root, 'ml-latest-small-posters', 'posters_92x138', '1.jpg'));
    expect(toy!.attributes).toMatchObject({ tmdbId: 862, imdbId: '0114709', year: 1995 });
    expect(heat!.text).toEqual({ title: 'Heat (1995)' });
    expect(heat!.image).toBeUndefined();
    expect(nowhere!.image).toMatch(/3\.jpg$/);
    expect(nowhere!.attributes.tmdbId).toBeUndefined();
  });

  it('names the missing folder', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fusionrec-mlmm-none-'));
    await expect(loadMovieLensMultimodal(empty)).rejects.toThrow(NotFoundError);
    await expect(loadMovieLensMultimodal(empty)).rejects.toThrow(/ratings\.csv/);
    rmSync(empty, { recursive: true });
  });

  const shared =
    hasDataset('ml-latest-small') && hasDataset('ml-latest-small-posters') && hasDataset('tmdb-5000-movies');
  if (!shared)
    console.warn(`skipping the shared ml-latest-small multimodal check: data under ${dataRoot()} is absent`);
  it.skipIf(!shared)(
    'on the shared data: 9,742 movies, 9,517 posters, overviews for the TMDB matches',
    async () => {
      const ds = await loadMovieLensMultimodal(dataRoot());
      const items = ds.catalog!.filter((x) => x !== undefined);
      expect(items.length).toBe(9742);
      expect(items.filter((x) => x.image).length).toBe(9517);
      const overviews = items.filter((x) => x.text.overview).length;
      expect(overviews).toBeGreaterThan(3400);
      expect(overviews).toBeLessThanOrEqual(3537);
    },
  );
});
