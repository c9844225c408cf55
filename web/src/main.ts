/**
 * @module web/main
 * The dashboard's entry: header with navigation and API-key box, the status strip, and the
 * routed page outlet.
 */
import './styles.css';
import { getApiKey, setApiKey } from './api/client.js';
import { CHANGED, statusStrip } from './components/status-strip.js';
import { h, mount } from './dom.js';
import { abDetailPage, abListPage } from './pages/ab.js';
import { catalogPage } from './pages/catalog.js';
import { itemPage } from './pages/item.js';
import { modelsPage } from './pages/models.js';
import { operatorPage } from './pages/operator.js';
import { searchPage } from './pages/search.js';
import { userPage } from './pages/user.js';
import { usersPage } from './pages/users.js';
import { type Route, startRouter } from './router.js';

const routes: Route[] = [
  { pattern: '/catalog', name: 'catalog', page: catalogPage },
  { pattern: '/item/:id', name: 'item', page: itemPage },
  { pattern: '/users', name: 'users', page: usersPage },
  { pattern: '/user/:id', name: 'user', page: userPage },
  { pattern: '/search', name: 'search', page: searchPage },
  { pattern: '/models', name: 'models', page: modelsPage },
  { pattern: '/ab', name: 'ab', page: abListPage },
  { pattern: '/ab/:id', name: 'ab', page: abDetailPage },
  { pattern: '/operator', name: 'operator', page: operatorPage },
];

const NAV: [string, string, string[]][] = [
  ['#/catalog', 'Catalog', ['catalog', 'item']],
  ['#/users', 'Users', ['users', 'user']],
  ['#/search', 'Search', ['search']],
  ['#/models', 'Models', ['models']],
  ['#/ab', 'A/B', ['ab']],
  ['#/operator', 'Operator', ['operator']],
];

function keyBox(): HTMLElement {
  const input = h('input', {
    type: 'password',
    placeholder: 'X-API-Key',
    value: getApiKey(),
    autocomplete: 'off',
    'aria-label': 'API key',
  });
  const details = h(
    'details',
    { class: 'keybox' },
    h('summary', { title: 'API key' }, getApiKey() ? 'API key ✓' : 'API key'),
    h(
      'form',
      {
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          setApiKey(input.value.trim());
          details.open = false;
          details.querySelector('summary')!.textContent = input.value.trim() ? 'API key ✓' : 'API key';
          window.dispatchEvent(new Event(CHANGED));
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        },
      },
      h(
        'p',
        { class: 'small muted' },
        'Only needed when the server was started with keys. Kept in this browser.',
      ),
      input,
      h('button', { type: 'submit', class: 'btn btn-small' }, 'Save'),
    ),
  );
  return details;
}

function boot(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const links = NAV.map(([hash, label, names]) =>
    h('a', { href: hash, 'data-names': names.join(' ') }, label),
  );
  const outlet = h('main', { id: 'outlet', class: 'outlet', tabindex: '-1' });
  mount(
    app,
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: '#/catalog' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◆'),
        'fusionrec',
      ),
      h('nav', { class: 'nav', 'aria-label': 'pages' }, links),
      keyBox(),
    ),
    statusStrip(),
    outlet,
  );
  startRouter(outlet, routes, '#/catalog', (name) => {
    for (const a of links) {
      const on = (a.dataset.names ?? '').split(' ').includes(name);
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  });
}

boot();
