/**
 * @module serve/ab/bucket
 * Deterministic experiment bucketing: MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8 bytes of
 * `${experimentId}:${userId}`, mapped to [0, 1) and then to arms by cumulative normalised share.
 * The same user always gets the same arm of an experiment; another experiment id reshuffles users
 * independently. No state is stored.
 */
import { InvalidArgumentError } from '../../errors.js';
import { murmur3 } from '../../util/hash.js';

/** One arm of an experiment and its share of users (shares are normalised by their sum). */
export interface Arm {
  name: string;
  share: number;
}

const encoder = new TextEncoder();

/** The point in [0, 1) of (experiment, user). */
export function bucketPoint(experimentId: string, userId: string): number {
  return murmur3(encoder.encode(`${experimentId}:${userId}`)) / 4294967296;
}

/** Throws unless `arms` is a non-empty list of uniquely named arms with finite shares >= 0, summing > 0. */
export function validateArms(arms: readonly Arm[]): void {
  if (arms.length === 0) throw new InvalidArgumentError('arms must not be empty');
  const names = new Set<string>();
  let total = 0;
  for (const [i, arm] of arms.entries()) {
    if (typeof arm.name !== 'string' || arm.name === '') {
      throw new InvalidArgumentError(`arms[${i}].name must be a non-empty string`, {
        field: `arms[${i}].name`,
      });
    }
    if (names.has(arm.name))
      throw new InvalidArgumentError(`arms[${i}].name "${arm.name}" is repeated`, {
        field: `arms[${i}].name`,
      });
    names.add(arm.name);
    if (!(arm.share >= 0 && Number.isFinite(arm.share))) {
      throw new InvalidArgumentError(`arms[${i}].share must be finite and >= 0, got ${arm.share}`, {
        field: `arms[${i}].share`,
      });
    }
    total += arm.share;
  }
  if (!(total > 0)) throw new InvalidArgumentError('arms: at least one share must be > 0');
}

/**
 * Deterministic arm for (experiment, user): a 32-bit hash (MurmurHash3) of
 * `${experimentId}:${userId}` mapped to [0,1) then to arms by cumulative normalised share.
 */
export function assignArm(experimentId: string, userId: string, arms: readonly Arm[]): string {
  validateArms(arms);
  let total = 0;
  for (const arm of arms) total += arm.share;
  const x = bucketPoint(experimentId, userId) * total;
  let cum = 0;
  let last = arms[0]!.name;
  for (const arm of arms) {
    if (arm.share <= 0) continue;
    cum += arm.share;
    last = arm.name;
    if (x < cum) return arm.name;
  }
  return last; // rounding at the top end
}
