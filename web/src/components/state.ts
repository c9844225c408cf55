/**
 * @module web/components/state
 * Loading, empty and error placeholders, and `fill()`, which shows one of them in a panel
 * while its content loads (so a failing panel does not take the whole page down).
 */
import { ApiError } from '../api/client.js';
import { type Child, h, mount } from '../dom.js';

export function loading(what = 'Loading'): HTMLElement {
  return h(
    'div',
    { class: 'state state-loading', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'spinner' }),
    `${what}…`,
  );
}

export function empty(message: string, hint?: Child): HTMLElement {
  return h(
    'div',
    { class: 'state state-empty' },
    h('p', null, message),
    hint ? h('p', { class: 'muted' }, hint) : null,
  );
}

function retry(): void {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function errorState(e: Error): HTMLElement {
  const api = e instanceof ApiError ? e : undefined;
  const hint =
    api?.status === 401
      ? 'This server needs an API key: set it with the key button at the top right.'
      : api?.status === 0
        ? 'Is `fusionrec serve` running?'
        : api?.status === 404
          ? 'Nothing with that id on this server.'
          : undefined;
  return h(
    'div',
    { class: 'state state-error', role: 'alert', 'data-testid': 'error' },
    h(
      'p',
      null,
      h('strong', null, api ? `${api.status || 'network'} ${api.code}` : 'Error'),
      ': ',
      e.message,
    ),
    api?.field ? h('p', { class: 'muted' }, `field: ${api.field}`) : null,
    hint ? h('p', { class: 'muted' }, hint) : null,
    h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry'),
  );
}

/** Shows a spinner in `el`, then what `load` returns, or the error it throws. */
export async function fill(
  el: HTMLElement,
  load: () => Promise<Child>,
  signal?: AbortSignal,
  what?: string,
): Promise<void> {
  el.setAttribute('aria-busy', 'true');
  mount(el, loading(what));
  try {
    const content = await load();
    if (signal?.aborted) return;
    mount(el, content);
  } catch (e) {
    if (signal?.aborted || (e instanceof DOMException && e.name === 'AbortError')) return;
    mount(el, errorState(e instanceof Error ? e : new Error(String(e))));
  } finally {
    el.removeAttribute('aria-busy');
  }
}
