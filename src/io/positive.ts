/**
 * @module io/positive
 * Which feedback events count as positive (like Gorse's positive feedback types): rules such as
 * "click", "purchase", "rating>=4", "rating>3.5", "play>=10", or "*" for any event.
 */
import { InvalidArgumentError } from '../errors.js';

/** Comparison operators a rule may use on the event value. */
export type PositiveOp = '>=' | '>' | '<=' | '<' | '=';

/** One parsed rule: events of `type` ("*" = any type), optionally with a value condition. */
export interface PositiveRule {
  type: string;
  op?: PositiveOp;
  threshold?: number;
  /** The rule as written. */
  source: string;
}

const RULE_RE =
  /^([A-Za-z0-9_.:-]+|\*)\s*(?:(>=|<=|==|=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))?$/;

const FORMS =
  'accepted forms: "TYPE" (e.g. "click"), "TYPE>=N", "TYPE>N", "TYPE<=N", "TYPE<N", "TYPE=N" ' +
  '(e.g. "rating>=4", "play>=10"), and "*" for any type (also "*>=N"); TYPE is letters, digits, _ . : -';

/** Parses one rule string; throws InvalidArgumentError listing the accepted forms. */
export function parsePositiveRule(rule: string): PositiveRule {
  const m = RULE_RE.exec(rule.trim());
  if (!m) throw new InvalidArgumentError(`positive feedback rule "${rule}" is not valid; ${FORMS}`);
  const type = m[1]!;
  if (m[2] === undefined) return { type, source: rule };
  const op = (m[2] === '==' ? '=' : m[2]) as PositiveOp;
  return { type, op, threshold: Number(m[3]), source: rule };
}

/** Parses rule strings (see {@link parsePositiveRule}). */
export function parsePositiveRules(rules: readonly string[]): PositiveRule[] {
  return rules.map(parsePositiveRule);
}

function compare(op: PositiveOp, value: number, threshold: number): boolean {
  switch (op) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '=':
      return value === threshold;
  }
}

/**
 * Whether an event of `type` with `value` is positive: true when any rule matches. An empty rule
 * list means "no filtering": every event is positive.
 */
export function isPositive(rules: readonly PositiveRule[], type: string, value: number): boolean {
  if (rules.length === 0) return true;
  for (const r of rules) {
    if (r.type !== '*' && r.type !== type) continue;
    if (r.op === undefined || compare(r.op, value, r.threshold!)) return true;
  }
  return false;
}
