/**
 * @module web/pages/ab
 * `#/ab`: the A/B experiments and a form to start one (arms = model versions with traffic
 * shares). `#/ab/{id}`: an experiment's arms, shares, impressions, clicks and conversions, CTR and
 * conversion with 95% intervals per arm and over time, the significance verdict, and Stop.
 */
import { api } from '../api/client.js';
import type { ExperimentDetail, ExperimentSummary, ModelVersion } from '../api/types.js';
import { rateOverTime, rateWithInterval } from '../components/ab-charts.js';
import { empty, fill } from '../components/state.js';
import { h } from '../dom.js';
import { dateTime, int, pct } from '../format.js';
import { href, type Page } from '../router.js';
import { verdictSentence } from '../verdict.js';

function listOf(r: unknown): ExperimentSummary[] {
  if (Array.isArray(r)) return r as ExperimentSummary[];
  const o = r as { experiments?: ExperimentSummary[] } | null;
  return o?.experiments ?? [];
}

function armRow(versions: ModelVersion[], i: number): HTMLElement {
  return h(
    'fieldset',
    { class: 'arm-row' },
    h(
      'label',
      null,
      'Arm',
      h('input', { name: 'arm', value: String.fromCharCode(65 + i), required: true, size: 6 }),
    ),
    h(
      'label',
      null,
      'Model version',
      h(
        'select',
        { name: 'version', required: true },
        versions.map((v, j) =>
          h(
            'option',
            { value: String(v.version), selected: j === Math.min(i, versions.length - 1) },
            `${v.name} v${v.version}${v.active ? ' (active)' : ''}`,
          ),
        ),
      ),
    ),
    h(
      'label',
      null,
      'Share',
      h('input', { name: 'share', type: 'number', min: 0, max: 1, step: 0.05, value: '0.5', required: true }),
    ),
  );
}

function createForm(versions: ModelVersion[]): HTMLElement {
  const msg = h('p', { class: 'notice', 'aria-live': 'polite' });
  const arms = h('div', { class: 'arms' }, armRow(versions, 0), armRow(versions, 1));
  const form = h(
    'form',
    {
      class: 'create-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const d = new FormData(form);
        const names = d.getAll('arm').map(String);
        const vs = d.getAll('version').map(String);
        const shares = d.getAll('share').map(Number);
        const body = {
          name: String(d.get('name') ?? '').trim(),
          arms: names.map((name, i) => ({
            name,
            // versions are numbers in the API; the select holds their text
            version: /^\d+$/.test(vs[i] ?? '') ? Number(vs[i]) : vs[i],
            share: shares[i],
          })),
        };
        msg.textContent = 'Starting…';
        try {
          const r = await api.post<ExperimentSummary | { experiment: ExperimentSummary }>(
            '/v1/experiments',
            body,
          );
          const id = 'experiment' in r ? r.experiment.id : r.id;
          location.hash = href(`/ab/${encodeURIComponent(id)}`);
        } catch (e) {
          msg.textContent = `Could not start it: ${(e as Error).message}`;
        }
      },
    },
    h(
      'label',
      null,
      'Name',
      h('input', { name: 'name', required: true, placeholder: 'e.g. bpr-vs-lightgcn' }),
    ),
    arms,
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        { type: 'button', class: 'btn', onclick: () => arms.append(armRow(versions, arms.children.length)) },
        'Add arm',
      ),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Start experiment'),
    ),
    msg,
  );
  return h('details', { class: 'card create' }, h('summary', null, 'New experiment'), form);
}

export const abListPage: Page = async (root, ctx) => {
  const list = h('div', { class: 'panel' });
  const create = h('div');
  root.append(h('header', { class: 'page-head' }, h('h1', null, 'A/B tests')), create, list);
  const versions = api
    .get<{ versions: ModelVersion[] }>('/v1/models', undefined, ctx.signal)
    .then((r) => {
      if (r.versions.length > 0) create.append(createForm(r.versions));
      else create.append(h('p', { class: 'muted' }, 'Experiments compare model versions: train one first.'));
    })
    .catch(() => undefined);
  await Promise.all([
    versions,
    fill(
      list,
      async () => {
        const exps = listOf(await api.get<unknown>('/v1/experiments', undefined, ctx.signal));
        if (exps.length === 0)
          return empty('No experiments yet.', 'Start one above, or with POST /v1/experiments.');
        return h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', 'data-testid': 'experiments-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'experiment'),
                h('th', null, 'status'),
                h('th', null, 'arms'),
                h('th', null, 'created'),
              ),
            ),
            h(
              'tbody',
              null,
              exps.map((e) =>
                h(
                  'tr',
                  null,
                  h(
                    'td',
                    null,
                    h(
                      'a',
                      { href: href(`/ab/${encodeURIComponent(e.id)}`), 'data-experiment': e.id },
                      e.name || e.id,
                    ),
                  ),
                  h('td', null, h('span', { class: `status-${e.status ?? 'unknown'}` }, e.status ?? '–')),
                  h(
                    'td',
                    null,
                    (e.arms ?? []).map((a) => `${a.name} (v${a.version}, ${pct(a.share, 0)})`).join(', '),
                  ),
                  h('td', null, dateTime(e.createdAt)),
                ),
              ),
            ),
          ),
        );
      },
      ctx.signal,
      'Loading experiments',
    ),
  ]);
};

const BUCKETS: [number, string][] = [
  [60, 'minute'],
  [3600, 'hour'],
  [86400, 'day'],
];

function verdict(d: ExperimentDetail): HTMLElement {
  const s = d.significance;
  const { text, tone } = verdictSentence(d);
  return h(
    'div',
    { class: `verdict verdict-${tone}`, 'data-testid': 'verdict', 'data-verdict': s?.verdict ?? '' },
    h('p', { class: 'verdict-text' }, text),
    h(
      'p',
      { class: 'muted' },
      s?.test ?? 'test –',
      s?.control ? ` · control: ${s.control}` : '',
      s?.winner ? ` · winner: ${s.winner}` : '',
    ),
  );
}

/** "4.46% [3.46%, 5.46%]", or a dash before the first impression. */
function rate(impressions: number, r: number, low: number, high: number): string {
  return impressions > 0 ? `${pct(r, 2)} [${pct(low, 2)}, ${pct(high, 2)}]` : '–';
}

function armsTable(d: ExperimentDetail): HTMLElement {
  const total = d.arms.reduce((a, b) => a + b.impressions, 0);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'arms-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'arm',
            'version',
            'share (set / served)',
            'impressions',
            'clicks',
            'CTR [95% CI]',
            'conversions',
            'conversion [95% CI]',
          ].map((c, i) => h('th', i > 2 ? { class: 'num' } : null, c)),
        ),
      ),
      h(
        'tbody',
        null,
        d.arms.map((a) =>
          h(
            'tr',
            { 'data-arm': a.name },
            h('td', null, h('strong', null, a.name)),
            h('td', null, h('a', { href: href('/models', { version: String(a.version) }) }, `v${a.version}`)),
            h(
              'td',
              null,
              h(
                'span',
                { class: 'share' },
                h('span', { class: 'share-bar', style: { width: `${Math.round(a.share * 100)}%` } }),
              ),
              ` ${pct(a.share, 0)} / ${total > 0 ? pct(a.impressions / total, 0) : '–'}`,
            ),
            h('td', { class: 'num' }, int(a.impressions)),
            h('td', { class: 'num' }, int(a.clicks)),
            h('td', { class: 'num' }, rate(a.impressions, a.ctr, a.ctrLow, a.ctrHigh)),
            h('td', { class: 'num' }, int(a.conversions)),
            h('td', { class: 'num' }, rate(a.impressions, a.conversionRate, a.convLow, a.convHigh)),
          ),
        ),
      ),
    ),
  );
}

export const abDetailPage: Page = async (root, ctx) => {
  const id = ctx.params.id ?? '';
  const bucket = Number(ctx.query.get('bucket')) || 3600;
  const panel = h('div', { class: 'panel' });
  const buckets = h(
    'label',
    { class: 'bucket small muted' },
    'time buckets ',
    h(
      'select',
      {
        onchange: (ev: Event) => {
          location.hash = href(`/ab/${encodeURIComponent(id)}`, {
            bucket: (ev.target as HTMLSelectElement).value,
          });
        },
      },
      BUCKETS.map(([s, label]) => h('option', { value: s, selected: s === bucket }, label)),
    ),
  );
  root.append(h('p', { class: 'row' }, h('a', { href: '#/ab' }, '← all experiments'), buckets), panel);
  await fill(
    panel,
    async () => {
      const d = await api.get<ExperimentDetail>(
        `/v1/experiments/${encodeURIComponent(id)}`,
        { bucket },
        ctx.signal,
      );
      const msg = h('p', { class: 'notice', 'aria-live': 'polite' });
      const stop =
        d.status === 'running'
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn',
                onclick: async () => {
                  if (!confirm(`Stop ${d.name}? Users go back to the active model.`)) return;
                  try {
                    await api.post(`/v1/experiments/${encodeURIComponent(id)}/stop`);
                    window.dispatchEvent(new HashChangeEvent('hashchange'));
                  } catch (e) {
                    msg.textContent = `Could not stop it: ${(e as Error).message}`;
                  }
                },
              },
              'Stop',
            )
          : null;
      const hasData = d.arms.some((a) => a.impressions > 0);
      return [
        h(
          'header',
          { class: 'page-head' },
          h(
            'h1',
            null,
            d.name || d.id,
            ' ',
            h('span', { class: `pill status-${d.status ?? 'unknown'}` }, d.status ?? ''),
          ),
          stop,
        ),
        msg,
        verdict(d),
        armsTable(d),
        hasData
          ? h(
              'div',
              { class: 'charts' },
              rateWithInterval(d.arms, 'ctr', ctx.onCleanup),
              rateWithInterval(d.arms, 'conversion', ctx.onCleanup),
              rateOverTime(d, 'ctr', ctx.onCleanup),
              rateOverTime(d, 'conversion', ctx.onCleanup),
            )
          : empty(
              'No impressions yet.',
              'Lists served to users in this experiment count as impressions; their clicks and purchases follow.',
            ),
        hasData && new Set((d.timeseries ?? []).map((p) => String(p.t))).size < 2
          ? h(
              'p',
              { class: 'muted small' },
              'All traffic so far falls in one time bucket: the rates over time appear from a second one (try minute buckets).',
            )
          : null,
      ];
    },
    ctx.signal,
    'Loading the experiment',
  );
};
