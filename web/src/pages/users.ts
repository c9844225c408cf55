/**
 * @module web/pages/users
 * `#/users?offset=`: the users with their labels and feedback counts, paged, and a box to open
 * any user by id.
 */
import { api } from '../api/client.js';
import type { UserPage } from '../api/types.js';
import { pager } from '../components/pager.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { int } from '../format.js';
import { href, type Page } from '../router.js';

const LIMIT = 50;

export const usersPage: Page = async (root, ctx) => {
  const offset = Math.max(0, Number(ctx.query.get('offset')) || 0);
  const open = h(
    'form',
    {
      class: 'filters',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const id = String(new FormData(open).get('id') ?? '').trim();
        if (id) location.hash = href(`/user/${encodeURIComponent(id)}`);
      },
    },
    h(
      'label',
      null,
      'User id',
      h('input', { name: 'id', required: true, placeholder: 'e.g. u1', autocomplete: 'off' }),
    ),
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Open'),
  );
  const list = h('div', { class: 'panel' });
  root.append(h('header', { class: 'page-head' }, h('h1', null, 'Users')), open, list);
  await fill(
    list,
    async () => {
      const page = await api.get<UserPage>('/v1/users', { offset, limit: LIMIT }, ctx.signal);
      if (page.users.length === 0)
        return empty('No users yet.', 'Users appear with their first feedback event (POST /v1/feedback).');
      return [
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', 'data-testid': 'users-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'user'),
                h('th', null, 'labels'),
                h('th', { class: 'num' }, 'feedback'),
              ),
            ),
            h(
              'tbody',
              null,
              page.users.map((u) =>
                h(
                  'tr',
                  null,
                  h(
                    'td',
                    null,
                    h('a', { href: href(`/user/${encodeURIComponent(u.id)}`), 'data-user': u.id }, u.id),
                  ),
                  h('td', null, (u.labels ?? []).join(', ') || h('span', { class: 'muted' }, '–')),
                  h('td', { class: 'num' }, int(u.feedbackCount)),
                ),
              ),
            ),
          ),
        ),
        pager('/users', ctx.query, offset, LIMIT, page.users.length, page.total),
      ];
    },
    ctx.signal,
    'Loading users',
  );
};
