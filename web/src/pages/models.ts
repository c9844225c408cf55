/**
 * @module web/pages/models
 * `#/models?version=&report=`: the model versions (metrics, which is active, activate), charts of
 * one version's evaluation (Recall/NDCG against K, loss and validation per epoch, modality
 * weights), and the stored experiment, ablation and tuning reports drawn as charts and tables.
 */
import { api } from '../api/client.js';
import type { ModelDetail, ModelVersion, ReportSummary } from '../api/types.js';
import { epochCurves, metricsAtK, metricsPerModel, modalityWeights } from '../components/model-charts.js';
import { reportView } from '../components/report-view.js';
import { empty, fill } from '../components/state.js';
import { CHANGED } from '../components/status-strip.js';
import { trainForm } from '../components/train-form.js';
import { type Child, h } from '../dom.js';
import { dateTime, num } from '../format.js';
import { learnedWeights, validName } from '../reports.js';
import { href, type Page } from '../router.js';

const vLabel = (v: ModelVersion): string => `${v.name} v${v.version}`;

function versionsTable(
  versions: ModelVersion[],
  selected: string,
  onActivate: (v: ModelVersion) => void,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'versions-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'version'),
          h('th', null, 'created'),
          h('th', { class: 'num' }, 'recall@20'),
          h('th', { class: 'num' }, 'ndcg@20'),
          h('th', null, ''),
        ),
      ),
      h(
        'tbody',
        null,
        versions.map((v) =>
          h(
            'tr',
            { class: String(v.version) === selected ? 'selected' : '' },
            h(
              'td',
              null,
              h('a', { href: href('/models', { version: String(v.version) }) }, vLabel(v)),
              v.active ? h('span', { class: 'badge badge-present' }, 'active') : null,
            ),
            h('td', null, dateTime(v.createdAt)),
            h('td', { class: 'num' }, num(v.metrics?.['recall@20'], 4)),
            h('td', { class: 'num' }, num(v.metrics?.['ndcg@20'], 4)),
            h(
              'td',
              null,
              v.active
                ? null
                : h(
                    'button',
                    { type: 'button', class: 'btn btn-small', onclick: () => onActivate(v) },
                    'Activate',
                  ),
            ),
          ),
        ),
      ),
    ),
  );
}

function versionCharts(d: ModelDetail, register: (fn: () => void) => void): Child {
  const report = d.report ?? {};
  const test = { ...(d.metrics ?? {}), ...(report.test ?? report.metrics ?? {}) };
  const history = report.epochs ?? report.history ?? [];
  const charts = [
    metricsAtK(
      [{ label: vLabel(d), metrics: test }],
      register,
      `${vLabel(d)}: Recall and NDCG against K (test)`,
    ),
    epochCurves(
      [{ label: vLabel(d), history }],
      typeof report.validMetric === 'string' ? report.validMetric : validName(history),
      register,
      `${vLabel(d)}: training loss and validation per epoch`,
    ),
    modalityWeights(
      [{ label: vLabel(d), weights: learnedWeights(report) }],
      register,
      `${vLabel(d)}: learned modality weights`,
    ),
  ].filter((c) => c !== null);
  if (charts.length === 0)
    return empty(
      `No evaluation report for ${vLabel(d)}.`,
      'Versions trained by the server carry per-epoch logs and test metrics.',
    );
  return h('div', { class: 'charts' }, charts);
}

export const modelsPage: Page = async (root, ctx) => {
  const register = ctx.onCleanup;
  const versionsPanel = h('div', { class: 'panel' });
  const versionPanel = h('div', { class: 'panel' });
  const reportsPanel = h('div', { class: 'panel' });
  const note = h('p', { class: 'notice', 'aria-live': 'polite' });
  root.append(
    h('header', { class: 'page-head' }, h('h1', null, 'Models')),
    h('section', null, h('h2', null, 'Versions'), trainForm(ctx.signal), note, versionsPanel),
    h('section', null, versionPanel),
    h('section', null, h('h2', null, 'Reports'), reportsPanel),
  );

  const activate = async (v: ModelVersion): Promise<void> => {
    note.textContent = `Activating ${vLabel(v)}…`;
    try {
      await api.post(`/v1/models/${encodeURIComponent(String(v.version))}/activate`);
      window.dispatchEvent(new Event(CHANGED));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      note.textContent = `Could not activate ${vLabel(v)}: ${(e as Error).message}`;
    }
  };

  let versionJob: Promise<void> = Promise.resolve();
  const versionsJob = fill(
    versionsPanel,
    async () => {
      const { versions } = await api.get<{ versions: ModelVersion[] }>('/v1/models', undefined, ctx.signal);
      if (versions.length === 0) {
        versionPanel.replaceChildren();
        return empty(
          'No trained model yet: recommendations come from the popular and latest fallbacks.',
          'Train one with POST /v1/models/train or `fusionrec train`.',
        );
      }
      const chosen =
        ctx.query.get('version') ??
        String((versions.find((v) => v.active) ?? versions[versions.length - 1]!).version);
      versionJob = fill(
        versionPanel,
        async () => {
          const d = await api.get<ModelDetail>(
            `/v1/models/${encodeURIComponent(chosen)}`,
            undefined,
            ctx.signal,
          );
          return [h('h2', null, `Version ${vLabel(d)}`), versionCharts(d, register)];
        },
        ctx.signal,
        'Loading the version report',
      );
      return [
        versionsTable(versions, chosen, (v) => void activate(v)),
        h(
          'div',
          { class: 'charts' },
          metricsPerModel(
            versions.map((v) => ({ label: vLabel(v), metrics: v.metrics ?? {} })),
            register,
            'Test metrics per model version',
          ),
        ),
      ];
    },
    ctx.signal,
    'Loading model versions',
  );

  const reportsJob = fill(
    reportsPanel,
    async () => {
      const { reports } = await api.get<{ reports: ReportSummary[] }>('/v1/reports', undefined, ctx.signal);
      if (reports.length === 0)
        return empty(
          'No reports yet.',
          'Store one with `fusionrec import-report --db <url> <file.json>` (e.g. `fusionrec experiment --json` output), or run the demo.',
        );
      const chosenId = ctx.query.get('report') ?? reports[0]!.id;
      const chosen = reports.find((r) => r.id === chosenId) ?? reports[0]!;
      const version = ctx.query.get('version') ?? undefined;
      const body = await api.get<unknown>(
        `/v1/reports/${encodeURIComponent(chosen.id)}`,
        undefined,
        ctx.signal,
      );
      return [
        h(
          'ul',
          { class: 'tabs', role: 'tablist', 'data-testid': 'report-list' },
          reports.map((r) =>
            h(
              'li',
              null,
              h(
                'a',
                {
                  href: href('/models', { version, report: r.id }),
                  role: 'tab',
                  'aria-selected': r.id === chosen.id ? 'true' : 'false',
                  class: r.id === chosen.id ? 'active' : '',
                },
                h('span', { class: `kind kind-${r.kind}` }, r.kind),
                ' ',
                r.title ?? r.id,
              ),
            ),
          ),
        ),
        h(
          'h3',
          null,
          chosen.title ?? chosen.id,
          h('span', { class: 'muted small' }, ` · ${dateTime(chosen.createdAt)}`),
        ),
        reportView(chosen, body, register),
      ];
    },
    ctx.signal,
    'Loading reports',
  );
  await Promise.all([versionsJob, reportsJob]);
  await versionJob;
};
