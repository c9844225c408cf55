/**
 * @module rerank/pipeline
 * Re-ranking pipelines from a text spec, and running them over a candidate list.
 *
 * A spec is a comma-separated list of stages applied left to right, each `name:value`:
 *
 * | part | stage | value |
 * |---|---|---|
 * | `mmr:λ` | maximal marginal relevance over item vectors | diversity weight λ in [0, 1] |
 * | `calib:λ` (or `calibration:λ`) | Steck's calibration to the history's category mix | KL weight λ in [0, 1] |
 * | `pop:β` | inverse-propensity correction score / (1 + pop)^β | β in [0, 2] |
 * | `tail:w` | long-tail boost score + w | w in [0, 1] |
 * | `fair:attr=x` | exposure-fair re-ranking of the groups of item attribute `attr` | minimum share x · catalog share, x in [0, 1] |
 *
 * `""` and `none` mean no re-ranking. Example: `mmr:0.3,pop:0.5,fair:brand=0.3`.
 */
import { InvalidArgumentError } from '../errors.js';
import { calibrationStage } from './calibration.js';
import { exposureStage } from './exposure.js';
import { mmrStage } from './mmr.js';
import { inversePropensityStage, tailBoostStage } from './popularity.js';
import type { Ranked, RerankContext, RerankStage } from './types.js';

/** One parsed stage of a spec. */
export interface StageSpec {
  kind: 'mmr' | 'calib' | 'pop' | 'tail' | 'fair';
  value: number;
  /** The item attribute of a `fair` stage. */
  attribute?: string;
  /** The stage's text in the spec. */
  text: string;
}

/** A parsed pipeline: its stages and the composed function. */
export interface RerankPipeline {
  spec: StageSpec[];
  stages: RerankStage[];
  run: RerankStage;
}

const RANGES: Record<StageSpec['kind'], [number, number]> = {
  mmr: [0, 1],
  calib: [0, 1],
  pop: [0, 2],
  tail: [0, 1],
  fair: [0, 1],
};

const SYNTAX = 'mmr:<0..1>, calib:<0..1>, pop:<0..2>, tail:<0..1>, fair:<attribute>=<0..1>';

/** Parses a spec into stage descriptions; errors name the bad part and the valid forms. */
export function parseRerankSpec(spec: string): StageSpec[] {
  const text = spec.trim();
  if (text === '' || text === 'none') return [];
  return text.split(',').map((raw, n) => {
    const part = raw.trim();
    const bad = (why: string): InvalidArgumentError =>
      new InvalidArgumentError(
        `re-rank spec "${spec}": part ${n + 1} "${part}": ${why} (valid parts: ${SYNTAX})`,
      );
    const colon = part.indexOf(':');
    if (colon < 0) throw bad('expected name:value');
    const name = part.slice(0, colon).trim();
    let rest = part.slice(colon + 1).trim();
    const kind = name === 'calibration' ? 'calib' : name;
    if (!(kind in RANGES)) throw bad(`unknown stage "${name}"`);
    let attribute: string | undefined;
    if (kind === 'fair') {
      const eq = rest.indexOf('=');
      if (eq < 0) throw bad('expected fair:<attribute>=<share>');
      attribute = rest.slice(0, eq).trim();
      if (attribute === '') throw bad('the attribute name is empty');
      rest = rest.slice(eq + 1).trim();
    }
    const value = rest === '' ? Number.NaN : Number(rest);
    const [lo, hi] = RANGES[kind as StageSpec['kind']];
    if (!(value >= lo && value <= hi)) throw bad(`value must be a number in [${lo}, ${hi}], got "${rest}"`);
    return {
      kind: kind as StageSpec['kind'],
      value,
      text: part,
      ...(attribute === undefined ? {} : { attribute }),
    };
  });
}

/** Builds one stage; `k` is how many positions the greedy stages fill (default 20). */
export function makeStage(s: StageSpec, k = 20): RerankStage {
  switch (s.kind) {
    case 'mmr':
      return mmrStage(s.value, k);
    case 'calib':
      return calibrationStage(s.value, k);
    case 'pop':
      return inversePropensityStage(s.value);
    case 'tail':
      return tailBoostStage(s.value);
    case 'fair':
      return exposureStage(s.attribute!, s.value, k);
  }
}

/** Composes stages left to right: each gets the previous one's ids and scores. */
export function compose(stages: readonly RerankStage[]): RerankStage {
  return (ids: Int32Array, scores: ArrayLike<number>, ctx: RerankContext): Ranked => {
    let cur: Ranked = { ids, scores: Float64Array.from(scores) };
    for (const stage of stages) cur = stage(cur.ids, cur.scores, ctx);
    return cur;
  };
}

/** Parses a spec and composes its stages. */
export function rerankPipeline(spec: string, options: { k?: number } = {}): RerankPipeline {
  const parsed = parseRerankSpec(spec);
  const stages = parsed.map((s) => makeStage(s, options.k ?? 20));
  return { spec: parsed, stages, run: compose(stages) };
}
