/**
 * @module web/pages/operator
 * The operator's page: live bias figures of the served lists per model version and A/B arm
 * (`GET /v1/fairness`), the review queue of new items with approve / reject (`/v1/review`, needs
 * the write key), and the business rules in force (`GET /v1/rules`).
 */
import { api } from '../api/client.js';
import type { FairnessPage, ReviewPage, RulesPage } from '../api/types.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { dateTime, int, num, pct } from '../format.js';
import type { Page } from '../router.js';

function table(testid: string, head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': testid },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', null, c)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            r.map((c) => h('td', null, c)),
          ),
        ),
      ),
    ),
  );
}

async function fairness(signal: AbortSignal): Promise<HTMLElement> {
  const r = await api.get<FairnessPage>('/v1/fairness', undefined, signal);
  if (r.windows.length === 0) return empty('No lists served since the server started.');
  return table(
    'fairness-table',
    [
      'model',
      'arm',
      'lists',
      'avg popularity',
      'popularity lift',
      'exposure Gini',
      'top 1% share',
      'coverage',
      'long tail',
    ],
    r.windows.map((w) => [
      w.version === null ? w.model : `${w.model} v${w.version}`,
      w.arm ?? '-',
      `${int(w.window)} / ${int(w.served)}`,
      num(w.averagePopularity, 1),
      w.popularityLift === null ? '-' : pct(w.popularityLift),
      num(w.gini, 3),
      pct(w.top1Share),
      pct(w.coverage),
      pct(w.longTailShare),
    ]),
  );
}

async function review(signal: AbortSignal, reload: () => void): Promise<HTMLElement> {
  const r = await api.get<ReviewPage>('/v1/review', { status: 'pending' }, signal);
  if (r.items.length === 0)
    return empty('No items wait for review.', 'Turn the queue on in PUT /v1/settings.');
  const decide = (id: string, d: 'approve' | 'reject') => async () => {
    await api.post(`/v1/review/${encodeURIComponent(id)}/${d}`);
    reload();
  };
  return table(
    'review-table',
    ['item', 'queued', ''],
    r.items.map((it) => [
      it.item,
      dateTime(it.createdAt),
      h(
        'span',
        null,
        h(
          'button',
          { type: 'button', 'data-approve': it.item, onclick: decide(it.item, 'approve') },
          'Approve',
        ),
        ' ',
        h('button', { type: 'button', 'data-reject': it.item, onclick: decide(it.item, 'reject') }, 'Reject'),
      ),
    ]),
  );
}

async function rules(signal: AbortSignal): Promise<HTMLElement> {
  const r = await api.get<RulesPage>('/v1/rules', undefined, signal);
  if (r.rules.length === 0) return empty('No business rules.', 'Add one with POST /v1/rules.');
  return table(
    'rules-table',
    ['rule', 'action', 'segment', 'enabled'],
    r.rules.map((x) => [
      x.name,
      JSON.stringify(x.action),
      x.segment ? JSON.stringify(x.segment) : 'everyone',
      x.enabled ? 'yes' : 'no',
    ]),
  );
}

export const operatorPage: Page = async (root, ctx) => {
  const bias = h('div', { class: 'panel' });
  const queue = h('div', { class: 'panel' });
  const ruleList = h('div', { class: 'panel' });
  root.append(
    h('header', { class: 'page-head' }, h('h1', null, 'Operator')),
    h('h2', null, 'Bias of the served lists'),
    h(
      'p',
      { class: 'muted' },
      'Per model version and A/B arm, over the newest 10,000 lists this server served. Popularity is positive feedback per item.',
    ),
    bias,
    h('h2', null, 'Review queue'),
    queue,
    h('h2', null, 'Business rules'),
    ruleList,
  );
  const loadQueue = (): void => void fill(queue, () => review(ctx.signal, loadQueue), ctx.signal);
  await Promise.all([
    fill(bias, () => fairness(ctx.signal), ctx.signal),
    fill(queue, () => review(ctx.signal, loadQueue), ctx.signal),
    fill(ruleList, () => rules(ctx.signal), ctx.signal),
  ]);
};
