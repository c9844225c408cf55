/**
 * @module web/pages/search
 * `#/search?q=&modality=`: text search across modalities (GET /v1/search), and search by an
 * uploaded image or audio clip (POST /v1/search with base64 bodies), results as cards with the
 * matching modality and score.
 */
import { api } from '../api/client.js';
import type { ScoredItem } from '../api/types.js';
import { itemCard } from '../components/item-card.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { href, type Page } from '../router.js';

const N = 24;

/** A file's bytes as base64 (without the data-URL prefix). */
export function fileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('cannot read the file'));
    r.readAsDataURL(file);
  });
}

/** The server's answer: the hits, or why nothing could match (`note`). */
interface SearchResult {
  items: ScoredItem[];
  note?: string;
}

function results({ items, note }: SearchResult): HTMLElement {
  if (items.length === 0) return empty('Nothing found.', note ?? 'Try other words, or another modality.');
  return h(
    'div',
    { class: 'grid', 'data-testid': 'search-results' },
    items.map((x, i) =>
      itemCard(x.id, x.item, {
        rank: i + 1,
        score: x.score,
        ...(x.modality ? { tag: `via ${x.modality}` } : {}),
      }),
    ),
  );
}

export const searchPage: Page = async (root, ctx) => {
  const q = ctx.query.get('q') ?? '';
  const modality = ctx.query.get('modality') ?? 'any';
  const out = h('div', { class: 'panel' });
  const imageInput = h('input', { type: 'file', name: 'image', accept: 'image/*' });
  const audioInput = h('input', { type: 'file', name: 'audio', accept: 'audio/*' });
  const form = h(
    'form',
    {
      class: 'filters search-form',
      role: 'search',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const d = new FormData(form);
        const text = String(d.get('q') ?? '').trim();
        const mod = String(d.get('modality') ?? 'any');
        const image = imageInput.files?.[0];
        const audio = audioInput.files?.[0];
        if (!image && !audio) {
          location.hash = href('/search', { q: text, modality: mod === 'any' ? undefined : mod });
          return;
        }
        void fill(
          out,
          async () => {
            const body: Record<string, unknown> = { n: N, modality: mod, withItems: true };
            if (text) body.text = text;
            if (image) body.image = await fileBase64(image);
            if (audio) body.audio = await fileBase64(audio);
            return results(await api.post<SearchResult>('/v1/search', body, ctx.signal));
          },
          ctx.signal,
          'Searching',
        );
      },
    },
    h(
      'label',
      { class: 'grow' },
      'Words',
      h('input', {
        name: 'q',
        type: 'search',
        value: q,
        placeholder: 'e.g. calm piano',
        'data-testid': 'search-input',
      }),
    ),
    h(
      'label',
      null,
      'Match by',
      h(
        'select',
        { name: 'modality' },
        ['any', 'text', 'image', 'audio'].map((m) => h('option', { value: m, selected: m === modality }, m)),
      ),
    ),
    h('label', null, 'Image', imageInput),
    h('label', null, 'Audio clip', audioInput),
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Search'),
  );
  root.append(
    h(
      'header',
      { class: 'page-head' },
      h('h1', null, 'Search'),
      h(
        'p',
        { class: 'muted' },
        'Words find items by their text and, where the vectors are aligned (CLIP/CLAP), by their pictures and sound. An uploaded picture or clip finds items too.',
      ),
    ),
    form,
    out,
  );
  if (!q) {
    out.append(empty('Type some words, or pick an image or audio clip.'));
    return;
  }
  await fill(
    out,
    async () => {
      return results(
        await api.get<SearchResult>('/v1/search', { q, n: N, modality, withItems: true }, ctx.signal),
      );
    },
    ctx.signal,
    'Searching',
  );
};
