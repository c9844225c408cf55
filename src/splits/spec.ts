/**
 * @module splits/spec
 * Split specifications: a discriminated union naming a split method and its options, a parser for
 * the CLI's compact strings ("random:0.8,0.1,0.1", "leave-last-out", "cold-start:0.1", ...), and
 * makeSplit / makeSplits that run the named split.
 */
import type { InteractionLog } from '../data/log.js';
import { InvalidArgumentError } from '../errors.js';
import { checkRatios, checkSeed, type Ratios } from './common.js';
import { coldStartItemSplit, globalTemporalSplit, predefinedSplit } from './global.js';
import { kFoldSplit, kFoldSplits } from './kfold.js';
import { leaveLastOut, randomSplit, temporalUserSplit } from './per-user.js';
import type { Split } from './split.js';

/** Seed used when a spec needs one and names none. */
export const DEFAULT_SPLIT_SEED = 42;

/** Which split to make, with its options (omitted options take the split's defaults). */
export type SplitSpec =
  | { method: 'random'; ratios?: Ratios; seed?: number }
  | { method: 'temporal-user'; ratios?: Ratios }
  | { method: 'leave-last-out' }
  | { method: 'temporal-global'; ratios?: Ratios }
  | { method: 'cold-start'; itemRatios?: Ratios; seed?: number }
  | { method: 'kfold'; k?: number; fold?: number; validRatio?: number; seed?: number }
  | { method: 'predefined' };

/** The split method names. */
export type SplitMethod = SplitSpec['method'];

/** The string forms parseSplitSpec accepts, for help texts and errors. */
export const SPLIT_SPEC_FORMS: readonly string[] = [
  'random[:TRAIN,VALID,TEST]',
  'temporal-user[:TRAIN,VALID,TEST]',
  'leave-last-out',
  'temporal-global[:TRAIN,VALID,TEST]',
  'cold-start[:SHARE | :TRAIN,VALID,TEST]',
  'kfold[:K[:FOLD]]',
  'predefined',
];

function invalid(text: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `split "${text}": ${why}; valid forms: ${SPLIT_SPEC_FORMS.join(', ')} ` +
      '(shares are numbers summing to 1, e.g. "random:0.8,0.1,0.1", "cold-start:0.1", "kfold:5:0")',
  );
}

function parseNumbers(text: string, arg: string): number[] {
  const nums = arg.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (nums.some((x) => !Number.isFinite(x))) throw invalid(text, `"${arg}" is not a list of numbers`);
  return nums;
}

function parseRatios(text: string, arg: string | undefined): Ratios | undefined {
  if (arg === undefined) return undefined;
  try {
    return checkRatios(parseNumbers(text, arg), 'ratios', 'parseSplitSpec');
  } catch (err) {
    if (err instanceof InvalidArgumentError && err.message.startsWith('split "')) throw err;
    throw invalid(text, `"${arg}" is not three shares >= 0 with train > 0 summing to 1`);
  }
}

function noArg(text: string, arg: string | undefined): void {
  if (arg !== undefined) throw invalid(text, 'this method takes no arguments');
}

/**
 * Parses a CLI split string. `seed` (default {@link DEFAULT_SPLIT_SEED}) goes into the methods
 * that draw at random (random, cold-start, kfold). "cold-start:P" holds out a share P of the
 * items for valid and P for test ([1 - 2P, P, P]); "kfold:K:F" is fold F (0-based) of K.
 * Throws InvalidArgumentError listing the valid forms.
 */
export function parseSplitSpec(text: string, seed: number = DEFAULT_SPLIT_SEED): SplitSpec {
  checkSeed(seed, 'parseSplitSpec');
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const name = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const arg = colon < 0 ? undefined : trimmed.slice(colon + 1);
  switch (name) {
    case 'random': {
      const ratios = parseRatios(text, arg);
      return { method: 'random', seed, ...(ratios ? { ratios } : {}) };
    }
    case 'temporal-user':
    case 'temporal-global': {
      const ratios = parseRatios(text, arg);
      return { method: name, ...(ratios ? { ratios } : {}) };
    }
    case 'cold-start': {
      if (arg === undefined) return { method: 'cold-start', seed };
      const nums = parseNumbers(text, arg);
      if (nums.length === 1) {
        const p = nums[0]!;
        if (!(p > 0 && p < 0.5)) throw invalid(text, `the held-out share must be in (0, 0.5), got ${p}`);
        return { method: 'cold-start', seed, itemRatios: [1 - 2 * p, p, p] };
      }
      return { method: 'cold-start', seed, itemRatios: parseRatios(text, arg)! };
    }
    case 'kfold': {
      if (arg === undefined) return { method: 'kfold', seed };
      const [kText, foldText, ...more] = arg.split(':');
      const k = Number(kText);
      const fold = foldText === undefined ? 0 : Number(foldText);
      if (more.length > 0 || !Number.isInteger(k) || k < 2 || k > 255) {
        throw invalid(text, 'K must be an integer from 2 to 255');
      }
      if (!Number.isInteger(fold) || fold < 0 || fold >= k) {
        throw invalid(text, `FOLD must be an integer from 0 to ${k - 1}`);
      }
      return { method: 'kfold', seed, k, fold };
    }
    case 'leave-last-out':
    case 'predefined':
      noArg(text, arg);
      return { method: name };
    default:
      throw invalid(text, `unknown split method "${name}"`);
  }
}

/** Runs the split a spec names (for kfold: fold `spec.fold`, default 0). */
export function makeSplit(spec: SplitSpec, log: InteractionLog, nUsers: number, nItems: number): Split {
  switch (spec.method) {
    case 'random':
      return randomSplit(log, nUsers, nItems, {
        seed: spec.seed ?? DEFAULT_SPLIT_SEED,
        ...(spec.ratios ? { ratios: spec.ratios } : {}),
      });
    case 'temporal-user':
      return temporalUserSplit(log, nUsers, nItems, spec.ratios ? { ratios: spec.ratios } : {});
    case 'leave-last-out':
      return leaveLastOut(log, nUsers, nItems);
    case 'temporal-global':
      return globalTemporalSplit(log, nUsers, nItems, spec.ratios ? { ratios: spec.ratios } : {});
    case 'cold-start':
      return coldStartItemSplit(log, nUsers, nItems, {
        seed: spec.seed ?? DEFAULT_SPLIT_SEED,
        ...(spec.itemRatios ? { itemRatios: spec.itemRatios } : {}),
      });
    case 'kfold':
      return kFoldSplit(log, nUsers, nItems, { ...kfoldOptions(spec), fold: spec.fold ?? 0 });
    case 'predefined':
      return predefinedSplit(log, nUsers, nItems);
    default:
      throw new InvalidArgumentError(
        `makeSplit: unknown split method "${(spec as { method: unknown }).method}"; valid methods: ` +
          'random, temporal-user, leave-last-out, temporal-global, cold-start, kfold, predefined',
      );
  }
}

/** All splits a spec stands for: the k folds of a kfold spec (ignoring `fold`), else one split. */
export function makeSplits(spec: SplitSpec, log: InteractionLog, nUsers: number, nItems: number): Split[] {
  if (spec.method === 'kfold') return kFoldSplits(log, nUsers, nItems, kfoldOptions(spec));
  return [makeSplit(spec, log, nUsers, nItems)];
}

function kfoldOptions(spec: Extract<SplitSpec, { method: 'kfold' }>) {
  return {
    seed: spec.seed ?? DEFAULT_SPLIT_SEED,
    ...(spec.k === undefined ? {} : { k: spec.k }),
    ...(spec.validRatio === undefined ? {} : { validRatio: spec.validRatio }),
  };
}
