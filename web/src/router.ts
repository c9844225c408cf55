/**
 * @module web/router
 * Hash routing (`#/user/u1?n=20`): patterns with `:params`, one page mounted at a time. Each
 * navigation aborts the previous page's requests and runs its clean-ups (charts, timers), and
 * marks the outlet `data-ready="true"` once the page has rendered and counts navigations in
 * `data-nav` (the browser tests wait on both).
 */
import { ApiError } from './api/client.js';
import { errorState } from './components/state.js';
import { mount } from './dom.js';

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  signal: AbortSignal;
  onCleanup(fn: () => void): void;
}

export type Page = (root: HTMLElement, ctx: PageContext) => void | Promise<void>;

export interface Route {
  pattern: string;
  name: string;
  page: Page;
}

interface Compiled extends Route {
  re: RegExp;
  keys: string[];
}

function compile(route: Route): Compiled {
  const keys: string[] = [];
  const src = route.pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, re: new RegExp(`^${src}/?$`), keys };
}

/** `#/ab/e1?x=1` -> `{ path: '/ab/e1', query }`. */
export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  return {
    path: path.startsWith('/') ? path : `/${path}`,
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

/** Builds `#/path?query` with empty values dropped. */
export function href(path: string, query?: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function startRouter(
  outlet: HTMLElement,
  routes: Route[],
  fallback: string,
  onRoute?: (name: string) => void,
): void {
  const compiled = routes.map(compile);
  let controller: AbortController | undefined;
  let cleanups: (() => void)[] = [];
  let navigations = 0;

  const render = async (): Promise<void> => {
    controller?.abort();
    for (const fn of cleanups) fn();
    cleanups = [];
    const { path, query } = parseHash(location.hash);
    let match: { route: Compiled; params: Record<string, string> } | undefined;
    for (const route of compiled) {
      const m = route.re.exec(path);
      if (m) {
        const params: Record<string, string> = {};
        route.keys.forEach((k, i) => {
          params[k] = decodeURIComponent(m[i + 1] ?? '');
        });
        match = { route, params };
        break;
      }
    }
    if (!match) {
      location.replace(fallback);
      return;
    }
    const ctl = new AbortController();
    controller = ctl;
    const own: (() => void)[] = [];
    cleanups = own;
    outlet.dataset.page = match.route.name;
    outlet.dataset.ready = 'false';
    outlet.dataset.nav = String(++navigations);
    outlet.replaceChildren();
    onRoute?.(match.route.name);
    try {
      await match.route.page(outlet, {
        params: match.params,
        query,
        signal: ctl.signal,
        onCleanup: (fn) => own.push(fn),
      });
    } catch (e) {
      if (ctl.signal.aborted) return;
      if (e instanceof DOMException && e.name === 'AbortError') return;
      mount(outlet, errorState(e instanceof ApiError || e instanceof Error ? e : new Error(String(e))));
    }
    if (!ctl.signal.aborted) outlet.dataset.ready = 'true';
  };

  window.addEventListener('hashchange', () => void render());
  void render();
}
