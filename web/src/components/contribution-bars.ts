/**
 * @module web/components/contribution-bars
 * The parts of a recommendation's score (collaborative, bias, each modality) as horizontal bars
 * on a diverging axis: positive parts grow right, negative parts left, all on one scale across a
 * list so that items can be compared.
 */
import type { Explanation } from '../api/types.js';
import { h } from '../dom.js';

export function explanationParts(e: Explanation | undefined): [string, number][] {
  if (!e) return [];
  const parts: [string, number][] = [];
  if (typeof e.collaborative === 'number') parts.push(['collaborative', e.collaborative]);
  for (const [m, v] of Object.entries(e.modalities ?? {})) if (typeof v === 'number') parts.push([m, v]);
  if (typeof e.bias === 'number') parts.push(['bias', e.bias]);
  // parts that are zero to print precision (a model without biases, a vanishing term) are left out
  return parts.filter(([name, v]) => name === 'collaborative' || Math.abs(v) >= 5e-4);
}

/** Largest absolute part over a list of explanations (the shared scale). */
export function explanationScale(list: (Explanation | undefined)[]): number {
  let max = 0;
  for (const e of list) for (const [, v] of explanationParts(e)) max = Math.max(max, Math.abs(v));
  return max || 1;
}

/** Three decimals, without exponents or a minus sign on zero. */
export function part(v: number): string {
  const s = v.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}

export function contributionBars(e: Explanation | undefined, scale: number): HTMLElement | null {
  const parts = explanationParts(e);
  if (parts.length === 0) return null;
  return h(
    'dl',
    { class: 'contrib', 'data-testid': 'contributions', 'aria-label': 'score contributions' },
    parts.map(([name, v]) => {
      const w = Math.min(50, (Math.abs(v) / scale) * 50);
      return h(
        'div',
        { class: 'contrib-row', 'data-part': name },
        h('dt', null, name),
        h(
          'dd',
          null,
          h(
            'span',
            { class: 'contrib-track', title: `${name}: ${v.toPrecision(4)}` },
            h('span', {
              class: `contrib-bar contrib-${name} ${v < 0 ? 'neg' : 'pos'}`,
              style: v < 0 ? { right: '50%', width: `${w}%` } : { left: '50%', width: `${w}%` },
            }),
          ),
          h('span', { class: 'contrib-value' }, part(v)),
        ),
      );
    }),
  );
}
