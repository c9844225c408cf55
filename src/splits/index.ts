/**
 * @module splits
 * Train/valid/test splits of an interaction log: per-user random (MMRec's rule), per-user and
 * global temporal, leave-last-out, cold-start items, per-user k-fold, and predefined labels.
 */
export { auditSplit, type SplitAudit } from './audit.js';
export { DEFAULT_RATIOS, dedupeByUser, type Ratios, ratioLabel, type UserRows } from './common.js';
export {
  type ColdStartSplitOptions,
  coldStartItemSplit,
  type GlobalTemporalSplitOptions,
  globalTemporalSplit,
  predefinedSplit,
} from './global.js';
export { type KFoldOptions, kFoldSplit, kFoldSplits } from './kfold.js';
export {
  leaveLastOut,
  type RandomSplitOptions,
  randomSplit,
  SHORT_USER_THRESHOLD,
  type TemporalUserSplitOptions,
  temporalUserSplit,
  userPartSizes,
} from './per-user.js';
export {
  DEFAULT_SPLIT_SEED,
  makeSplit,
  makeSplits,
  parseSplitSpec,
  SPLIT_SPEC_FORMS,
  type SplitMethod,
  type SplitSpec,
} from './spec.js';
export type { Split } from './split.js';
export { type SyntheticLogOptions, syntheticLog } from './synthetic.js';
