/**
 * @module web/components/pager
 * Previous / next paging with "a–b of total"; links keep the page's other query values.
 */
import { h } from '../dom.js';
import { int } from '../format.js';
import { href } from '../router.js';

export function pager(
  path: string,
  query: URLSearchParams,
  offset: number,
  limit: number,
  shown: number,
  total: number,
): HTMLElement {
  const base = Object.fromEntries(query.entries());
  const link = (o: number, label: string, rel: string, enabled: boolean) =>
    enabled
      ? h('a', { class: 'btn btn-small', href: href(path, { ...base, offset: o || undefined }), rel }, label)
      : h('span', { class: 'btn btn-small', 'aria-disabled': 'true' }, label);
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'pages' },
    link(Math.max(0, offset - limit), '← Previous', 'prev', offset > 0),
    h(
      'span',
      { class: 'pager-info' },
      shown === 0 ? `0 of ${int(total)}` : `${int(offset + 1)}–${int(offset + shown)} of ${int(total)}`,
    ),
    link(offset + limit, 'Next →', 'next', offset + shown < total),
  );
}
