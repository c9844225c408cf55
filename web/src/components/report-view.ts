/**
 * @module web/components/report-view
 * One stored report drawn: for an experiment (or each experiment inside it) the metrics per
 * model, Recall/NDCG against K, per-epoch curves, the results table and the significance
 * comparisons; for an ablation the same plus the table of changes against the full model; for a
 * tuning run its trials. Anything else is shown as JSON.
 */
import type { ReportSummary } from '../api/types.js';
import { type Child, h } from '../dom.js';
import { num, pValue } from '../format.js';
import {
  type ExperimentLike,
  experimentSections,
  isTune,
  label,
  learnedWeights,
  reportBody,
  type TuneLike,
} from '../reports.js';
import { epochCurves, metricsAtK, metricsPerModel, modalityWeights } from './model-charts.js';

type Register = (cleanup: () => void) => void;

const TABLE_METRICS = [
  'recall@10',
  'recall@20',
  'ndcg@10',
  'ndcg@20',
  'precision@20',
  'map@20',
  'coverage@20',
];

function table(head: string[], rows: Child[][], testId?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', ...(testId ? { 'data-testid': testId } : {}) },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c, i) => h('th', i === 0 ? null : { class: 'num' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            r.map((c, i) => h('td', i === 0 ? null : { class: 'num' }, c)),
          ),
        ),
      ),
    ),
  );
}

function resultsTable(x: ExperimentLike): HTMLElement {
  const metrics = TABLE_METRICS.filter((m) => x.results.some((r) => typeof r.metrics?.[m] === 'number'));
  return table(
    ['model', ...metrics, 's/epoch', 'best epoch'],
    x.results.map((r) => [
      label(r),
      ...metrics.map((m) => num(r.metrics?.[m], 4)),
      num(r.trainSecondsPerEpoch, 3),
      r.bestEpoch !== undefined ? `${r.bestEpoch}/${r.epochs ?? '?'}` : '–',
    ]),
    'results-table',
  );
}

/** Ablation: each variant's metrics and its relative change against the first (the full model). */
function ablationTable(x: ExperimentLike): HTMLElement {
  const metrics = ['recall@20', 'ndcg@20', 'recall@10', 'ndcg@10'].filter((m) =>
    x.results.some((r) => typeof r.metrics?.[m] === 'number'),
  );
  const base = x.results[0];
  const delta = (v: number | undefined, b: number | undefined): Child => {
    if (v === undefined || b === undefined || b === 0) return '';
    const d = (v - b) / b;
    return h(
      'span',
      { class: d < 0 ? 'delta neg' : 'delta pos' },
      ` (${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)}%)`,
    );
  };
  return table(
    ['variant', ...metrics],
    x.results.map((r, i) => [
      label(r),
      ...metrics.map((m) => [
        num(r.metrics?.[m], 4),
        i === 0 ? '' : delta(r.metrics?.[m], base?.metrics?.[m]),
      ]),
    ]),
    'ablation-table',
  );
}

function comparisonsTable(x: ExperimentLike): HTMLElement | null {
  if (!x.comparisons?.length) return null;
  return table(
    ['model vs baseline', 'metric', 'mean diff', '95% CI', 't-test p', 'Wilcoxon p'],
    x.comparisons.map((c) => [
      `${c.model} vs ${c.baseline}`,
      c.metric,
      num(c.meanDiff, 4),
      `[${num(c.ciLow, 4)}, ${num(c.ciHigh, 4)}]`,
      h('span', { class: c.tTestP < 0.05 ? 'sig' : '' }, pValue(c.tTestP)),
      h('span', { class: c.wilcoxonP < 0.05 ? 'sig' : '' }, pValue(c.wilcoxonP)),
    ]),
    'comparisons-table',
  );
}

function experimentView(x: ExperimentLike, ablation: boolean, register: Register): Child[] {
  const series = x.results.map((r) => ({ label: label(r), metrics: r.metrics ?? {} }));
  const weights = x.results.map((r) => ({ label: label(r), weights: learnedWeights(r) }));
  const d = x.dataset as { name?: string; users?: number; items?: number; split?: string } | undefined;
  return [
    d
      ? h(
          'p',
          { class: 'muted' },
          `dataset ${d.name ?? '?'}: ${d.users ?? '?'} users, ${d.items ?? '?'} items, ${d.split ?? ''}`,
        )
      : null,
    h(
      'div',
      { class: 'charts' },
      metricsPerModel(series, register),
      metricsAtK(series, register),
      epochCurves(
        x.results.map((r) => ({ label: label(r), history: r.history ?? [] })),
        'recall@20',
        register,
      ),
      modalityWeights(weights, register),
    ),
    ablation ? [h('h4', null, 'Ablation'), ablationTable(x)] : resultsTable(x),
    comparisonsTable(x),
  ];
}

function tuneView(t: TuneLike): Child[] {
  const keys = [...new Set(t.trials.flatMap((tr) => Object.keys(tr.params)))];
  const sorted = [...t.trials].sort((a, b) => b.score - a.score);
  return [
    h('p', { class: 'muted' }, `${t.model}: ${t.trials.length} trials, chosen on validation ${t.metric}`),
    t.test?.metrics
      ? h(
          'p',
          null,
          `test of the chosen configuration: recall@20 ${num(t.test.metrics['recall@20'], 4)}, ndcg@20 ${num(t.test.metrics['ndcg@20'], 4)}`,
        )
      : null,
    table(
      ['trial', ...keys, t.metric, 'best epoch'],
      sorted.map((tr) => [
        tr.index === t.best?.index ? h('strong', null, `#${tr.index} (best)`) : `#${tr.index}`,
        ...keys.map((k) => String(tr.params[k] ?? '–')),
        num(tr.score, 4),
        tr.bestEpoch === undefined ? '–' : String(tr.bestEpoch),
      ]),
      'tune-table',
    ),
  ];
}

export function reportView(summary: ReportSummary, report: unknown, register: Register): HTMLElement {
  const body = reportBody(report);
  const sections = experimentSections(body);
  let content: Child;
  if (isTune(body)) content = tuneView(body);
  else if (sections.length > 0)
    content = sections.map((s) => [
      s.title ? h('h4', null, s.title) : null,
      experimentView(s.result, summary.kind === 'ablation', register),
    ]);
  else content = h('pre', { class: 'json' }, JSON.stringify(body, null, 2));
  return h('div', { class: 'report', 'data-testid': 'report', 'data-kind': summary.kind }, content);
}
