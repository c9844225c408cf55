/**
 * @module web/pages/user
 * `#/user/{id}?n=&category=`: a user's current recommendations, each with its score and the
 * contribution of the collaborative part, each modality and the bias (explain=true), next to the
 * user's history. Feedback buttons on each card post an event, then both lists are reloaded and
 * the changes (new items, moves) are marked.
 */
import { ApiError, api } from '../api/client.js';
import type { FeedbackRow, Item, Recommendation, UserSummary } from '../api/types.js';
import { contributionBars, explanationScale } from '../components/contribution-bars.js';
import { itemCard, thumbnail } from '../components/item-card.js';
import { empty, fill } from '../components/state.js';
import { CHANGED } from '../components/status-strip.js';
import { diffRanks } from '../diff.js';
import { h, mount } from '../dom.js';
import { dateTime, int, num, title } from '../format.js';
import { href, type Page } from '../router.js';

const FEEDBACK_TYPES: [string, string][] = [
  ['click', 'Click'],
  ['like', 'Like'],
  ['purchase', 'Buy'],
];

function sourceLine(r: Recommendation): HTMLElement {
  const from =
    r.source === 'model' && r.model
      ? `model ${r.model.name} v${r.model.version}`
      : r.source === 'model'
        ? 'model'
        : `${r.source} items (fallback: no model has seen this user)`;
  return h(
    'p',
    { class: 'muted', 'data-testid': 'recs-source', 'data-source': r.source },
    'From ',
    h('strong', null, from),
    r.arm ? [' · A/B ', experimentLink(r.arm)] : null,
  );
}

/** A link to the experiment, named by its name once the server says it (ids are opaque). */
function experimentLink(arm: { experiment: string; arm: string }): HTMLElement {
  const id = arm.experiment;
  const link = h(
    'a',
    { href: href(`/ab/${encodeURIComponent(id)}`), 'data-testid': 'recs-experiment' },
    `experiment ${id.length > 12 ? `${id.slice(0, 8)}…` : id}, arm ${arm.arm}`,
  );
  void api
    .get<{ name?: string }>(`/v1/experiments/${encodeURIComponent(id)}`)
    .then((e) => {
      if (e.name) link.textContent = `experiment ${e.name}, arm ${arm.arm}`;
    })
    .catch(() => {}); // the id stays: the link still leads there
  return link;
}

function historyRow(f: FeedbackRow): HTMLElement {
  const item: Item | undefined = typeof f.item === 'string' ? undefined : f.item;
  const id = typeof f.item === 'string' ? f.item : f.item.id;
  return h(
    'li',
    { class: 'history-row', 'data-item': id },
    h('a', { href: href(`/item/${encodeURIComponent(id)}`), class: 'history-thumb' }, thumbnail(id, item)),
    h(
      'div',
      null,
      h('a', { href: href(`/item/${encodeURIComponent(id)}`) }, title(item, id)),
      h(
        'p',
        { class: 'muted small' },
        h('span', { class: `fb fb-${f.type}` }, f.type),
        f.value !== undefined && f.value !== null && f.value !== 1 ? ` ${num(f.value, 1)}` : '',
        ' · ',
        dateTime(f.timestamp),
      ),
    ),
  );
}

export const userPage: Page = async (root, ctx) => {
  const id = ctx.params.id ?? '';
  const n = Math.min(100, Math.max(1, Number(ctx.query.get('n')) || 12));
  const category = ctx.query.get('category') ?? '';
  const info = h('p', { class: 'muted' });
  const notice = h('p', { class: 'notice', 'aria-live': 'polite', 'data-testid': 'recs-change' });
  const recs = h('div', { class: 'panel', 'data-testid': 'recs', 'data-loads': '0' });
  const history = h('div', { class: 'panel' });
  let previous: string[] | undefined;
  let loads = 0;
  let busy = false;

  const loadHistory = (): Promise<void> =>
    fill(
      history,
      async () => {
        const r = await api.get<{ feedback: FeedbackRow[] }>(
          `/v1/users/${encodeURIComponent(id)}/feedback`,
          { limit: 40 },
          ctx.signal,
        );
        if (r.feedback.length === 0) return empty('No feedback yet.', 'Click, like or buy a recommendation.');
        return h('ol', { class: 'history', 'data-testid': 'history' }, r.feedback.map(historyRow));
      },
      ctx.signal,
      'Loading history',
    );

  const record = async (item: string, type: string): Promise<void> => {
    if (busy) return;
    busy = true;
    root.querySelectorAll<HTMLButtonElement>('.fb-btn').forEach((b) => {
      b.disabled = true;
    });
    notice.textContent = `Recording ${type} on ${item}…`;
    try {
      await api.post('/v1/feedback', [{ user: id, item, type, timestamp: new Date().toISOString() }]);
      window.dispatchEvent(new Event(CHANGED));
      await Promise.all([loadRecs(`After ${type} on ${item}: `), loadHistory()]);
    } catch (e) {
      notice.textContent = `Could not record ${type}: ${(e as Error).message}`;
      notice.classList.add('notice-error');
      root.querySelectorAll<HTMLButtonElement>('.fb-btn').forEach((b) => {
        b.disabled = false;
      });
    } finally {
      busy = false;
    }
  };

  const loadRecs = (prefix = ''): Promise<void> =>
    fill(
      recs,
      async () => {
        const r = await api.get<Recommendation>(
          `/v1/recommend/${encodeURIComponent(id)}`,
          { n, category, excludeSeen: true, explain: true, withItems: true },
          ctx.signal,
        );
        const ids = r.items.map((x) => x.id);
        const { tags, summary } = diffRanks(previous, ids);
        previous = ids;
        loads++;
        recs.dataset.loads = String(loads);
        recs.dataset.items = ids.join(',');
        notice.classList.remove('notice-error');
        notice.textContent = summary ? prefix + summary : '';
        if (r.items.length === 0)
          return [
            sourceLine(r),
            empty('Nothing to recommend.', 'The user may have seen every item in this filter.'),
          ];
        const scale = explanationScale(r.items.map((x) => x.explanation));
        return [
          sourceLine(r),
          r.items.some((x) => x.explanation)
            ? h(
                'p',
                { class: 'muted small' },
                'Bars: what each part adds to the score (collaborative: the ID embeddings; text, image, audio: the content towers; bias), on one scale for the whole list.',
              )
            : null,
          h(
            'div',
            { class: 'grid grid-recs' },
            r.items.map((x, i) =>
              itemCard(x.id, x.item, {
                rank: i + 1,
                score: x.score,
                lazy: false,
                audio: false,
                ...(tags.has(x.id) ? { tag: tags.get(x.id)! } : {}),
                extra: contributionBars(x.explanation, scale),
                actions: FEEDBACK_TYPES.map(([type, label]) =>
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-small fb-btn',
                      'data-feedback': type,
                      onclick: () => void record(x.id, type),
                    },
                    label,
                  ),
                ),
              }),
            ),
          ),
        ];
      },
      ctx.signal,
      'Ranking',
    );

  const controls = h(
    'form',
    {
      class: 'filters',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const d = new FormData(controls);
        location.hash = href(`/user/${encodeURIComponent(id)}`, {
          n: String(d.get('n') ?? ''),
          category: String(d.get('category') ?? '').trim(),
        });
      },
    },
    h('label', null, 'How many', h('input', { name: 'n', type: 'number', min: 1, max: 100, value: n })),
    h('label', null, 'Category', h('input', { name: 'category', value: category, placeholder: 'any' })),
    h('button', { type: 'submit', class: 'btn' }, 'Apply'),
  );

  mount(
    root,
    h(
      'header',
      { class: 'page-head' },
      h('h1', null, 'User ', h('code', { 'data-testid': 'user-id' }, id)),
      info,
    ),
    h(
      'div',
      { class: 'split' },
      h('section', { class: 'split-main' }, h('h2', null, 'Recommendations'), controls, notice, recs),
      h('aside', { class: 'split-side' }, h('h2', null, 'History'), history),
    ),
  );

  const header = api
    .get<UserSummary>(`/v1/users/${encodeURIComponent(id)}`, undefined, ctx.signal)
    .then((u) => {
      const labels = (u.labels ?? []).join(', ');
      info.textContent = `${int(u.feedbackCount)} feedback events${labels ? ` · labels: ${labels}` : ''}`;
    })
    .catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404)
        info.textContent =
          'Not in the database yet: a new user gets the fallback list until their first event.';
      else if (!ctx.signal.aborted) info.textContent = `(user details unavailable: ${(e as Error).message})`;
    });
  await Promise.all([loadRecs(), loadHistory(), header]);
};
