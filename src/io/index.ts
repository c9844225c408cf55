/**
 * @module io
 * Importers: the generic catalog format, MMRec `.inter` and JSON splits, MovieLens, `.npy`
 * feature files, positive-feedback rules and the line/CSV readers they stream through.
 */
export type { EventSummary, ImportResult } from './build.js';
export { EventCollector, vectorModalities } from './build.js';
export type { CatalogConfig, CatalogImport, CatalogOptions } from './catalog.js';
export { loadCatalog } from './catalog.js';
export type { CsvHeader, CsvOptions, CsvRecord } from './csv.js';
export { readCsv, requireColumns } from './csv.js';
export { dataRoot, datasetPath, hasDataset, repoRoot } from './data-root.js';
export { readEvents } from './events.js';
export type { Located } from './items.js';
export { readItems, readJsonl, readUsers } from './items.js';
export type { LineEncoding, NumberedLine } from './lines.js';
export { isFile, readLines, requireFile } from './lines.js';
export type { MmrecInterOptions } from './mmrec-inter.js';
export { loadMmrecInter } from './mmrec-inter.js';
export type { MmrecJsonOptions } from './mmrec-json.js';
export { loadMmrecJson, MMREC_JSON_FILES } from './mmrec-json.js';
export { attachNpyModality } from './modality-file.js';
export type { MovieLensOptions } from './movielens.js';
export { loadMovieLens, ML100K_GENRES } from './movielens.js';
export type { NpyArray } from './npy.js';
export { readNpy, writeNpy } from './npy.js';
export type { PositiveOp, PositiveRule } from './positive.js';
export { isPositive, parsePositiveRule, parsePositiveRules } from './positive.js';
