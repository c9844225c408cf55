/**
 * @module web/pages/catalog
 * `#/catalog?q=&category=&modality=&offset=`: the items as cards (image, sound, text,
 * categories, modality badges), a filter form and paging.
 */
import { api } from '../api/client.js';
import type { ItemPage } from '../api/types.js';
import { itemCard } from '../components/item-card.js';
import { pager } from '../components/pager.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { int } from '../format.js';
import { href, type Page } from '../router.js';

const LIMIT = 24;

export const catalogPage: Page = async (root, ctx) => {
  const q = ctx.query.get('q') ?? '';
  const category = ctx.query.get('category') ?? '';
  const modality = ctx.query.get('modality') ?? '';
  const offset = Math.max(0, Number(ctx.query.get('offset')) || 0);
  const categories = h('datalist', { id: 'catalog-categories' });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const data = new FormData(form);
        location.hash = href('/catalog', {
          q: String(data.get('q') ?? '').trim(),
          category: String(data.get('category') ?? '').trim(),
          modality: String(data.get('modality') ?? ''),
        });
      },
    },
    h(
      'label',
      null,
      'Text',
      h('input', { name: 'q', type: 'search', value: q, placeholder: 'title or text' }),
    ),
    h(
      'label',
      null,
      'Category',
      h('input', { name: 'category', value: category, list: 'catalog-categories', placeholder: 'any' }),
    ),
    h(
      'label',
      null,
      'Has modality',
      h(
        'select',
        { name: 'modality' },
        ['', 'text', 'image', 'audio'].map((m) =>
          h('option', { value: m, selected: m === modality }, m || 'any'),
        ),
      ),
    ),
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Filter'),
    q || category || modality ? h('a', { class: 'btn btn-ghost', href: '#/catalog' }, 'Clear') : null,
    categories,
  );
  const count = h('p', { class: 'muted', 'data-testid': 'catalog-count' });
  const grid = h('div', { class: 'panel' });
  root.append(h('header', { class: 'page-head' }, h('h1', null, 'Catalog'), count), form, grid);
  await fill(
    grid,
    async () => {
      const page = await api.get<ItemPage>(
        '/v1/items',
        { offset, limit: LIMIT, q, category, modality },
        ctx.signal,
      );
      count.textContent = `${int(page.total)} item${page.total === 1 ? '' : 's'}${q || category || modality ? ' match' : ''}`;
      const seen = new Set<string>();
      for (const it of page.items) for (const c of it.categories ?? []) seen.add(c);
      categories.replaceChildren(...[...seen].sort().map((c) => h('option', { value: c })));
      if (page.items.length === 0) {
        return empty(
          page.total === 0 && !(q || category || modality) ? 'The catalog is empty.' : 'No item matches.',
          page.total === 0 && !(q || category || modality)
            ? 'Add items with POST /v1/items or `fusionrec serve --demo`.'
            : 'Try another filter.',
        );
      }
      return [
        h(
          'div',
          { class: 'grid', 'data-testid': 'catalog-grid' },
          page.items.map((it) => itemCard(it.id, it)),
        ),
        pager('/catalog', ctx.query, offset, LIMIT, page.items.length, page.total),
      ];
    },
    ctx.signal,
    'Loading the catalog',
  );
};
