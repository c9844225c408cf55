/**
 * @module web/format
 * Number, date and label formatting shared by the pages.
 */
import type { Item } from './api/types.js';

const intFmt = new Intl.NumberFormat('en-US');

export function int(n: number | undefined | null): string {
  return n === undefined || n === null || Number.isNaN(n) ? '–' : intFmt.format(Math.round(n));
}

export function num(n: number | undefined | null, digits = 3): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (n !== 0 && Math.abs(n) < 10 ** -digits) return n.toExponential(1);
  return n.toFixed(digits);
}

export function pct(n: number | undefined | null, digits = 1): string {
  return n === undefined || n === null || !Number.isFinite(n) ? '–' : `${(n * 100).toFixed(digits)}%`;
}

export function pValue(p: number | undefined | null): string {
  if (p === undefined || p === null || !Number.isFinite(p)) return '–';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** Unix seconds, milliseconds or an ISO string -> a Date (undefined when not a time). */
export function toDate(t: number | string | undefined | null): Date | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  if (typeof t === 'number') return new Date(t < 1e11 ? t * 1000 : t);
  const n = Number(t);
  if (Number.isFinite(n)) return toDate(n);
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function dateTime(t: number | string | undefined | null): string {
  const d = toDate(t);
  if (!d || d.getTime() <= 0) return '–';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function title(item: Item | undefined, id: string): string {
  return item?.text?.title?.trim() || id;
}

export function body(item: Item | undefined): string {
  const t = item?.text;
  if (!t) return '';
  return (t.body ?? t.description ?? Object.entries(t).find(([k]) => k !== 'title')?.[1] ?? '').trim();
}
