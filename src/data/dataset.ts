/**
 * @module data/dataset
 * A loaded dataset: id maps, the positive-interaction log (with split labels when the source
 * predefines a split), the catalog where there is one, and attached feature modalities.
 */
import type { FeatureModality } from '../modalities/modality.js';
import type { IdMap } from './id-map.js';
import type { InteractionLog } from './log.js';
import type { Item } from './types.js';

export interface Dataset {
  /** Short name, e.g. "baby" or "lfm2k". */
  readonly name: string;
  /** Where it was loaded from (a spec or a path). */
  readonly source: string;
  readonly users: IdMap;
  readonly items: IdMap;
  /** Positive interactions (what counts as positive is decided at import). */
  readonly log: InteractionLog;
  /** Catalog rows aligned with item indices, where the source has a catalog. */
  readonly catalog?: readonly (Item | undefined)[];
  readonly modalities: FeatureModality[];
}

/** Numbers that identify a dataset's content, for manifests and reports. */
export function datasetSummary(ds: Dataset): {
  name: string;
  users: number;
  items: number;
  interactions: number;
} {
  return { name: ds.name, users: ds.users.size, items: ds.items.size, interactions: ds.log.length };
}
