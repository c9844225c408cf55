/**
 * @module web/pages/item
 * `#/item/{id}`: one item in full (image, sound, every text field, attributes such as price,
 * categories, labels, modalities) and the items most similar to it.
 */
import { api, mediaUrl } from '../api/client.js';
import type { Item, ScoredItem } from '../api/types.js';
import { itemCard, modalityBadges, modalityState, thumbnail } from '../components/item-card.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { dateTime, title } from '../format.js';
import { href, type Page } from '../router.js';

/** The item's attributes (price, year, …) as a definition list; null when it has none. */
function attributeList(attributes: Item['attributes']): HTMLElement | null {
  const entries = Object.entries(attributes ?? {}).filter(
    ([, v]) => v !== null && v !== undefined && v !== '',
  );
  if (entries.length === 0) return null;
  const show = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h(
    'dl',
    { class: 'attributes', 'data-testid': 'item-attributes' },
    entries.flatMap(([k, v]) => [h('dt', { class: 'field-name' }, k), h('dd', null, show(v))]),
  );
}

function detail(item: Item): HTMLElement {
  const fields = Object.entries(item.text ?? {}).filter(([k, v]) => k !== 'title' && v);
  return h(
    'article',
    { class: 'item-detail', 'data-testid': 'item-detail' },
    h('div', { class: 'item-detail-media' }, thumbnail(item.id, item, false)),
    h(
      'div',
      { class: 'item-detail-body' },
      h('h1', null, title(item, item.id)),
      h(
        'p',
        { class: 'muted' },
        h('code', null, item.id),
        item.timestamp ? ` · ${dateTime(item.timestamp)}` : '',
        item.hidden ? ' · hidden' : '',
      ),
      fields.map(([k, v]) => h('p', null, h('span', { class: 'field-name' }, k), ' ', v)),
      attributeList(item.attributes),
      item.categories?.length
        ? h(
            'ul',
            { class: 'chips' },
            item.categories.map((c) =>
              h('li', { class: 'chip' }, h('a', { href: href('/catalog', { category: c }) }, c)),
            ),
          )
        : null,
      item.labels?.length ? h('p', { class: 'muted' }, `labels: ${item.labels.join(', ')}`) : null,
      modalityBadges(item),
      modalityState(item, 'audio') === 'present'
        ? h('audio', {
            controls: true,
            preload: 'metadata',
            src: mediaUrl(item.id, 'audio'),
            class: 'player',
          })
        : null,
    ),
  );
}

export const itemPage: Page = async (root, ctx) => {
  const id = ctx.params.id ?? '';
  const top = h('div', { class: 'panel' });
  const similar = h('div', { class: 'panel' });
  root.append(top, h('h2', null, 'Similar items'), similar);
  await Promise.all([
    fill(
      top,
      async () => detail(await api.get<Item>(`/v1/items/${encodeURIComponent(id)}`, undefined, ctx.signal)),
      ctx.signal,
    ),
    fill(
      similar,
      async () => {
        const r = await api.get<{ items: ScoredItem[]; source?: string }>(
          `/v1/items/${encodeURIComponent(id)}/similar`,
          { n: 12, withItems: true },
          ctx.signal,
        );
        if (r.items.length === 0)
          return empty(
            'No similar items.',
            'Similarity needs item vectors: train a model or encode the catalog.',
          );
        return [
          r.source
            ? h(
                'p',
                { class: 'muted' },
                r.source === 'content'
                  ? 'By content (text, image and sound vectors).'
                  : "By the model's item vectors.",
              )
            : null,
          h(
            'div',
            { class: 'grid', 'data-testid': 'similar-grid' },
            r.items.map((x, i) => itemCard(x.id, x.item, { rank: i + 1, score: x.score })),
          ),
        ];
      },
      ctx.signal,
      'Finding similar items',
    ),
  ]);
};
