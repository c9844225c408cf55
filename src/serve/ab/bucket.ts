/**
 * @module serve/ab/bucket
 * Deterministic experiment bucketing: MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8 bytes of
 * `${experimentId}:${userId}`, mapped to [0, 1) and then to arms by cumulative normalised share.
 * The same user always gets the same arm of an experiment; another experiment id reshuffles users
 * independently. No state is stored.
 */
import { InvalidArgumentError } from '../../errors.js';

/** One arm of an experiment and its share of users (shares are normalised by their sum). */
export interface Arm {
  name: string;
  share: number;
}

const encoder = new TextEncoder();

/** MurmurHash3_x86_32 of `bytes` (unsigned). */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

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
      throw new InvalidArgumentError(`arms[${i}].name must be a non-empty string`);
    }
    if (names.has(arm.name)) throw new InvalidArgumentError(`arms[${i}].name "${arm.name}" is repeated`);
    names.add(arm.name);
    if (!(arm.share >= 0 && Number.isFinite(arm.share))) {
      throw new InvalidArgumentError(`arms[${i}].share must be finite and >= 0, got ${arm.share}`);
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
