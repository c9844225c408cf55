/**
 * @module experiment/dataset-spec
 * Dataset specs as the CLI takes them (`kind:path`), and loading them into a Dataset.
 *
 * | spec | what |
 * |---|---|
 * | `mmrec:<file.inter>` | an MMRec interaction file; its `x_label` column is the split |
 * | `mmrec-json:<dir>` | MMRec JSON splits (train.json / val.json / test.json) |
 * | `movielens:<dir>` | ml-latest-small or ml-100k |
 * | `movielens-mm:<dataRoot>` | ml-latest-small with poster images and TMDB plot overviews (a data root holding ml-latest-small, ml-latest-small-posters, tmdb-5000-movies) |
 * | `catalog:<dir>` | fusionrec's generic catalog + events folder |
 * | `demo[:<dir>]` | the built-in demo catalog (generated on first use) |
 * | `shared:<name>` | a folder of the shared data root (FUSIONREC_DATA or ../shared/data), by name |
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { applyKcore } from '../data/kcore.js';
import { ensureDemo } from '../demo/generate.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { loadCatalog } from '../io/catalog.js';
import { dataRoot } from '../io/data-root.js';
import { loadMmrecInter } from '../io/mmrec-inter.js';
import { loadMmrecJson } from '../io/mmrec-json.js';
import { attachNpyModality } from '../io/modality-file.js';
import { loadMovieLens } from '../io/movielens.js';
import { loadMovieLensMultimodal } from '../io/movielens-media.js';

export const DATASET_KINDS = [
  'mmrec',
  'mmrec-json',
  'movielens',
  'movielens-mm',
  'catalog',
  'demo',
  'shared',
] as const;

export interface LoadOptions {
  /** Positive-feedback rules (catalog and MovieLens), e.g. ["rating>=4"]. */
  positive?: string[];
  /** Named modalities from .npy files: name -> file. */
  modalities?: Record<string, string>;
  /** k-core filter applied after loading (ignored for predefined splits, which would break). */
  kcore?: { userK: number; itemK: number };
  /** Where `demo` keeps its generated catalog (default ./demo-data). */
  demoDir?: string;
}

/** The built-in demo catalog's default folder. */
export const DEFAULT_DEMO_DIR = 'demo-data';

/** Well-known folders of the shared data root, for `shared:<name>`. */
const SHARED: Record<string, (root: string) => string> = {
  'amazon-baby-mmrec': (r) => `mmrec-json:${join(r, 'amazon-baby-mmrec')}`,
  baby: (r) => `mmrec-json:${join(r, 'amazon-baby-mmrec')}`,
  'lastfm-2k-mm': (r) => `mmrec:${join(r, 'lastfm-2k-mm', 'mmrec', 'lfm2k.inter')}`,
  lfm2k: (r) => `mmrec:${join(r, 'lastfm-2k-mm', 'mmrec', 'lfm2k.inter')}`,
  'ml-latest-small': (r) => `movielens:${join(r, 'ml-latest-small')}`,
  'ml-latest-small-mm': (r) => `movielens-mm:${r}`,
};

export function parseDatasetSpec(spec: string): { kind: (typeof DATASET_KINDS)[number]; path: string } {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const path = colon < 0 ? '' : spec.slice(colon + 1);
  if (!(DATASET_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(
      `unknown dataset spec "${spec}". Should be one of: ${DATASET_KINDS.map((k) => `${k}:<path>`).join(', ')}`,
    );
  }
  if (!path && kind !== 'demo')
    throw new InvalidArgumentError(`dataset spec "${spec}" needs a path after "${kind}:"`);
  return { kind: kind as (typeof DATASET_KINDS)[number], path };
}

/** Loads the dataset a spec names, attaching modalities and applying k-core when asked. */
export async function loadDataset(spec: string, options: LoadOptions = {}): Promise<Dataset> {
  const { kind, path } = parseDatasetSpec(spec);
  let ds: Dataset;
  switch (kind) {
    case 'shared': {
      const make = SHARED[path];
      if (!make) {
        throw new InvalidArgumentError(
          `unknown shared dataset "${path}". Should be one of: ${Object.keys(SHARED).join(', ')}`,
        );
      }
      const root = dataRoot();
      if (!existsSync(root))
        throw new NotFoundError(`shared data root ${root} does not exist (set FUSIONREC_DATA)`);
      return loadDataset(make(root), options);
    }
    case 'mmrec':
      ds = await loadMmrecInter(resolve(path));
      break;
    case 'mmrec-json':
      ds = await loadMmrecJson(resolve(path));
      break;
    case 'movielens':
      ds = await loadMovieLens(resolve(path), options.positive ? { positive: options.positive } : {});
      break;
    case 'movielens-mm':
      ds = await loadMovieLensMultimodal(
        resolve(path),
        options.positive ? { positive: options.positive } : {},
      );
      break;
    case 'catalog':
      ds = (await loadCatalog(resolve(path), options.positive ? { positive: options.positive } : {})).dataset;
      break;
    case 'demo': {
      const dir = resolve(path || options.demoDir || DEFAULT_DEMO_DIR);
      await ensureDemo(dir, {});
      ds = (await loadCatalog(dir, options.positive ? { positive: options.positive } : {})).dataset;
      break;
    }
  }
  for (const [name, file] of Object.entries(options.modalities ?? {})) {
    await attachNpyModality(ds, name, resolve(file));
  }
  if (options.kcore && !ds.log.labels) ds = applyKcore(ds, options.kcore);
  return ds;
}
