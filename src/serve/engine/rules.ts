/**
 * @module serve/engine/rules
 * Business rules applied to a ranked list at serve time (pure functions; the engine supplies the
 * facts). Order: rules whose segment the user is not in (or disabled ones) are skipped; `block`
 * removes matching items; `boost` and `freshness` change matching items' scores (score × multiply
 * + add, in rule order; a factor below 1 or a negative addend buries) and the list is re-sorted by
 * the new scores (stable); `pin` then puts its item at its 1-based position (the item is moved
 * when already listed, inserted otherwise; a blocked or unservable item is not pinned; pins are
 * placed by ascending position). Each item remembers which rules fired on it (`explain`).
 */
import type { AttributeValue } from '../../data/types.js';
import type { ItemMatch, RuleRecord, RuleSegment } from '../../store/types.js';

/** What a rule can look at of an item. */
export interface ItemFacts {
  categories: readonly string[];
  labels: readonly string[];
  attributes: Readonly<Record<string, AttributeValue | readonly AttributeValue[]>>;
  /** Unix seconds when the item appeared (0 when unknown). */
  timestamp: number;
}

/** What a segment can look at of a user. */
export interface UserFacts {
  labels: readonly string[];
  attributes: Readonly<Record<string, AttributeValue | readonly AttributeValue[]>>;
}

/** A rule that fired on an item. */
export interface FiredRule {
  id: string;
  name: string;
  kind: RuleRecord['action']['kind'];
}

export interface RuledItem {
  id: string;
  score: number;
  rules: FiredRule[];
}

export interface RuleContext {
  /** The user (undefined: unknown or anonymous; only segment-less rules apply). */
  user: UserFacts | undefined;
  /** Facts of an item that may be served in this list (undefined: unknown, hidden or filtered out). */
  item(id: string): ItemFacts | undefined;
  /** Unix seconds. */
  now: number;
}

function valueMatches(
  have: AttributeValue | readonly AttributeValue[] | undefined,
  want: AttributeValue,
): boolean {
  if (have === undefined) return false;
  if (Array.isArray(have)) return have.includes(want);
  return have === want;
}

/** Whether a user is in a segment (an absent or empty segment is everyone). */
export function inSegment(segment: RuleSegment | undefined, user: UserFacts | undefined): boolean {
  if (!segment || (segment.label === undefined && segment.attribute === undefined)) return true;
  if (!user) return false;
  if (segment.label !== undefined && !user.labels.includes(segment.label)) return false;
  if (segment.attribute !== undefined) {
    if (segment.value === undefined) return user.attributes[segment.attribute] !== undefined;
    if (!valueMatches(user.attributes[segment.attribute], segment.value)) return false;
  }
  return true;
}

/** Whether an item matches (every given field must). */
export function itemMatches(m: ItemMatch, id: string, it: ItemFacts): boolean {
  if (m.items && !m.items.includes(id)) return false;
  if (m.categories && !m.categories.some((c) => it.categories.includes(c))) return false;
  if (m.label !== undefined && !it.labels.includes(m.label)) return false;
  if (m.attribute !== undefined) {
    if (m.value === undefined) return it.attributes[m.attribute] !== undefined;
    if (!valueMatches(it.attributes[m.attribute], m.value)) return false;
  }
  return true;
}

/** Whether any enabled rule needs the user's labels or attributes. */
export function needsUser(rules: readonly RuleRecord[]): boolean {
  return rules.some(
    (r) => r.enabled && r.segment && (r.segment.label !== undefined || r.segment.attribute !== undefined),
  );
}

/** Items enabled pin rules may add to a list (their facts must be looked up too). */
export function pinnedItems(rules: readonly RuleRecord[]): string[] {
  return rules.flatMap((r) => (r.enabled && r.action.kind === 'pin' ? [r.action.item] : []));
}

const fired = (r: RuleRecord): FiredRule => ({ id: r.id, name: r.name, kind: r.action.kind });

/** Applies the rules to a ranked list (best first); returns a new list. */
export function applyRules(
  list: readonly { id: string; score: number }[],
  rules: readonly RuleRecord[],
  ctx: RuleContext,
): RuledItem[] {
  const active = rules.filter((r) => r.enabled && inSegment(r.segment, ctx.user));
  const blocks = active.filter((r) => r.action.kind === 'block');
  const blocked = (id: string, it: ItemFacts | undefined): boolean =>
    it !== undefined && blocks.some((r) => r.action.kind === 'block' && itemMatches(r.action.match, id, it));

  let out: RuledItem[] = [];
  for (const x of list) {
    const it = ctx.item(x.id);
    if (blocked(x.id, it)) continue;
    out.push({ id: x.id, score: x.score, rules: [] });
  }

  let rescored = false;
  for (const r of active) {
    const a = r.action;
    if (a.kind !== 'boost' && a.kind !== 'freshness') continue;
    for (const x of out) {
      const it = ctx.item(x.id);
      if (!it) continue;
      const hit =
        a.kind === 'boost'
          ? itemMatches(a.match, x.id, it)
          : it.timestamp > 0 && ctx.now - it.timestamp <= a.days * 86_400;
      if (!hit) continue;
      x.score = x.score * (a.multiply ?? 1) + (a.add ?? 0);
      x.rules.push(fired(r));
      rescored = true;
    }
  }
  if (rescored) {
    out = out
      .map((x, k) => ({ x, k }))
      .sort((p, q) => q.x.score - p.x.score || p.k - q.k)
      .map((p) => p.x);
  }

  const pins = active
    .flatMap((r) =>
      r.action.kind === 'pin' ? [{ r, item: r.action.item, position: r.action.position }] : [],
    )
    .sort((p, q) => p.position - q.position);
  const pinned = new Set<string>();
  for (const p of pins) {
    if (pinned.has(p.item)) continue; // the first (lowest) position wins
    const it = ctx.item(p.item);
    if (!it || blocked(p.item, it)) continue;
    const at = out.findIndex((x) => x.id === p.item);
    const entry = at >= 0 ? out.splice(at, 1)[0]! : { id: p.item, score: 0, rules: [] };
    entry.rules.push(fired(p.r));
    out.splice(Math.min(Math.max(0, p.position - 1), out.length), 0, entry);
    pinned.add(p.item);
  }
  return out;
}
