/**
 * @module web/components/item-card
 * An item as a card: its image (or a placeholder), title and text, categories, which modalities
 * are present, missing or failed, an audio player where it has sound, and a link to its similar
 * items. Scores, explanation bars and buttons go in through `extra` and `actions`.
 */
import { mediaUrl } from '../api/client.js';
import type { Item, ModalityState } from '../api/types.js';
import { type Child, h } from '../dom.js';
import { body, num, title } from '../format.js';
import { href } from '../router.js';

export const MODALITIES = ['text', 'image', 'audio'] as const;

export function modalityState(item: Item | undefined, m: string): ModalityState {
  const s = item?.modalities?.[m as (typeof MODALITIES)[number]];
  if (s) return s;
  if (m === 'text') return item?.text && Object.values(item.text).some((v) => v) ? 'present' : 'missing';
  if (m === 'image') return item?.image ? 'present' : 'missing';
  if (m === 'audio') return item?.audio ? 'present' : 'missing';
  return 'missing';
}

export function modalityBadges(item: Item | undefined): HTMLElement {
  return h(
    'ul',
    { class: 'badges', 'aria-label': 'modalities' },
    MODALITIES.map((m) => {
      const s = modalityState(item, m);
      return h(
        'li',
        { class: `badge badge-${s}`, title: `${m}: ${s}`, 'data-modality': m, 'data-state': s },
        m,
      );
    }),
  );
}

function placeholder(id: string, why: string): HTMLElement {
  // A stable hue per id, so that placeholders are told apart at a glance.
  let hash = 0;
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return h('div', { class: 'thumb thumb-empty', style: { '--hue': String(Math.abs(hash) % 360) } }, why);
}

export function thumbnail(id: string, item: Item | undefined, lazy = true): HTMLElement {
  // Without the item (a bare id) the image is tried, and a placeholder replaces it on error.
  const state = item ? modalityState(item, 'image') : 'present';
  if (state !== 'present') return placeholder(id, state === 'failed' ? 'image failed' : 'no image');
  const img = h('img', {
    class: 'thumb',
    src: mediaUrl(id, 'image'),
    alt: title(item, id),
    loading: lazy ? 'lazy' : 'eager',
    decoding: 'async',
    width: 160,
    height: 160,
  });
  img.addEventListener('error', () => img.replaceWith(placeholder(id, 'image unavailable')), { once: true });
  return img;
}

export interface CardOptions {
  score?: number;
  rank?: number;
  tag?: string;
  extra?: Child;
  actions?: Child;
  lazy?: boolean;
  audio?: boolean;
}

export function itemCard(id: string, item: Item | undefined, o: CardOptions = {}): HTMLElement {
  const text = body(item);
  const hasAudio = modalityState(item, 'audio') === 'present';
  return h(
    'article',
    { class: 'card item-card', 'data-item': id, 'data-testid': 'item-card' },
    h(
      'a',
      {
        class: 'thumb-link',
        href: href(`/item/${encodeURIComponent(id)}`),
        'aria-label': `open ${title(item, id)}`,
      },
      thumbnail(id, item, o.lazy ?? true),
      o.rank !== undefined ? h('span', { class: 'rank' }, `#${o.rank}`) : null,
      o.tag ? h('span', { class: 'tag' }, o.tag) : null,
    ),
    h(
      'div',
      { class: 'card-body' },
      h(
        'h3',
        { class: 'card-title' },
        h('a', { href: href(`/item/${encodeURIComponent(id)}`) }, title(item, id)),
      ),
      h(
        'p',
        { class: 'card-meta' },
        h('code', null, id),
        o.score !== undefined ? h('span', { class: 'score', title: 'score' }, `score ${num(o.score)}`) : null,
      ),
      text ? h('p', { class: 'card-text' }, text) : null,
      item?.categories?.length
        ? h(
            'ul',
            { class: 'chips', 'aria-label': 'categories' },
            item.categories.map((c) =>
              h('li', { class: 'chip' }, h('a', { href: href('/catalog', { category: c }) }, c)),
            ),
          )
        : null,
      modalityBadges(item),
      hasAudio && o.audio !== false
        ? h('audio', { controls: true, preload: 'none', src: mediaUrl(id, 'audio'), class: 'player' })
        : null,
      o.extra ?? null,
      h(
        'div',
        { class: 'card-actions' },
        o.actions ?? null,
        h(
          'a',
          { class: 'btn btn-small btn-ghost', href: href(`/item/${encodeURIComponent(id)}`) },
          'Similar',
        ),
      ),
    ),
  );
}
