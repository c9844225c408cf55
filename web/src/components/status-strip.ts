/**
 * @module web/components/status-strip
 * The strip under the header: active model version, catalog size, users, feedback total and
 * rate, the retrieval index, whether the API wants a key, and the ingestion stream's lag when the
 * server reads one (`fusionrec worker --stream`). Refreshes every 15 s, and at once
 * when a page says it changed something (the `fusionrec:changed` event).
 */
import { api } from '../api/client.js';
import type { Status } from '../api/types.js';
import { h, mount } from '../dom.js';
import { int, num } from '../format.js';

export const CHANGED = 'fusionrec:changed';

function cell(label: string, value: string, key: string, titleText?: string): HTMLElement {
  return h(
    'div',
    { class: 'status-cell', 'data-status': key, ...(titleText ? { title: titleText } : {}) },
    h('span', { class: 'status-label' }, label),
    h('span', { class: 'status-value' }, value),
  );
}

export function renderStatus(s: Status): HTMLElement[] {
  const model = s.model ? `${s.model.name} v${s.model.version}` : 'none (fallback)';
  const index = s.index ? `${s.index.kind} · ${int(s.index.size)} × ${s.index.dim}` : 'none';
  const auth = s.auth
    ? s.auth.readKeyRequired
      ? 'key for all'
      : s.auth.writeKeyRequired
        ? 'key for writes'
        : 'open'
    : '–';
  return [
    cell('model', model, 'model', s.model ? undefined : 'no trained model: popular, then latest items'),
    cell('items', int(s.items), 'items'),
    cell('users', int(s.users), 'users'),
    cell(
      'feedback',
      `${int(s.feedback)} · ${s.feedbackPerMinute < 10 ? num(s.feedbackPerMinute, 1) : int(s.feedbackPerMinute)}/min`,
      'feedback',
      'events stored · events written in the last minute (imports included)',
    ),
    cell('index', index, 'index'),
    cell('API', auth, 'auth'),
    ...(s.stream
      ? [
          cell(
            'stream lag',
            `${int(s.stream.events)} · ${s.stream.seconds < 10 ? num(s.stream.seconds, 1) : int(s.stream.seconds)} s`,
            'stream',
            `${s.stream.stream}: events not yet applied by the ingestion workers ` +
              `(${int(s.stream.pending)} in progress, ${int(s.stream.undelivered)} waiting) · age of the oldest`,
          ),
        ]
      : []),
  ];
}

export function statusStrip(): HTMLElement {
  const el = h(
    'div',
    { class: 'status-strip', 'data-testid': 'status', 'aria-live': 'polite' },
    h('span', { class: 'muted' }, 'connecting…'),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async (): Promise<void> => {
    clearTimeout(timer);
    try {
      const s = await api.get<Status>('/v1/status');
      mount(el, renderStatus(s));
      el.dataset.state = 'ok';
    } catch (e) {
      mount(el, h('span', { class: 'status-error' }, `server not answering: ${(e as Error).message}`));
      el.dataset.state = 'error';
    }
    timer = setTimeout(() => void refresh(), 15_000);
  };
  window.addEventListener(CHANGED, () => void refresh());
  void refresh();
  return el;
}
