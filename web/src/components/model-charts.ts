/**
 * @module web/components/model-charts
 * The Models page's charts: metrics per model (grouped bars), Recall and NDCG against K (lines),
 * training loss and validation per epoch (two axes), and learned modality weights (bars).
 */
import type { EpochRecord } from '../api/types.js';
import { ksOf, validValue } from '../reports.js';
import { alpha, chart, color } from './chart.js';

type Register = (cleanup: () => void) => void;

export interface Series {
  label: string;
  metrics: Record<string, number>;
}

const BAR_METRICS = ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20'];

export function metricsPerModel(
  series: Series[],
  register: Register,
  caption = 'Test metrics per model',
): HTMLElement | null {
  const metrics = BAR_METRICS.filter((m) => series.some((s) => typeof s.metrics[m] === 'number'));
  if (metrics.length === 0 || series.length === 0) return null;
  return chart(
    caption,
    {
      type: 'bar',
      data: {
        labels: series.map((s) => s.label),
        datasets: metrics.map((m, i) => ({
          label: m,
          data: series.map((s) => s.metrics[m] ?? null) as number[],
          backgroundColor: color(i),
        })),
      },
      options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { position: 'bottom' } } },
    },
    register,
    'chart-metrics',
  ).el;
}

export function metricsAtK(
  series: Series[],
  register: Register,
  caption = 'Recall and NDCG against K',
): HTMLElement | null {
  const ks = ksOf(
    series.map((s) => s.metrics),
    'recall',
  );
  const nks = ksOf(
    series.map((s) => s.metrics),
    'ndcg',
  );
  const all = [...new Set([...ks, ...nks])].sort((a, b) => a - b);
  if (all.length < 2) return null;
  const datasets = series.flatMap((s, i) =>
    (['recall', 'ndcg'] as const).map((m) => ({
      label: `${s.label} ${m === 'recall' ? 'Recall' : 'NDCG'}`,
      data: all.map((k) => s.metrics[`${m}@${k}`] ?? null) as number[],
      borderColor: color(i),
      backgroundColor: color(i),
      borderDash: m === 'ndcg' ? [6, 4] : [],
      spanGaps: true,
      tension: 0.2,
    })),
  );
  return chart(
    caption,
    {
      type: 'line',
      data: { labels: all.map((k) => `@${k}`), datasets },
      options: {
        scales: { y: { beginAtZero: true }, x: { title: { display: true, text: 'K' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    },
    register,
    'chart-at-k',
  ).el;
}

export interface Curve {
  label: string;
  history: EpochRecord[];
}

/** Loss (left axis, solid) and validation metric (right axis, dashed) per epoch, one colour per model. */
export function epochCurves(
  curves: Curve[],
  validMetric: string,
  register: Register,
  caption = 'Training loss and validation per epoch',
): HTMLElement | null {
  const usable = curves.filter((c) => c.history.length > 1);
  if (usable.length === 0) return null;
  const datasets = usable.flatMap((c, i) => {
    const out = [];
    const loss = c.history.filter(
      (e) => typeof e.loss === 'number' && Number.isFinite(e.loss) && e.loss !== 0,
    );
    if (loss.length > 0)
      out.push({
        label: `${c.label} loss`,
        data: loss.map((e) => ({ x: e.epoch, y: e.loss! })),
        borderColor: color(i),
        backgroundColor: color(i),
        yAxisID: 'loss',
        pointRadius: 0,
      });
    const valid = c.history.filter((e) => validValue(e, validMetric) !== undefined);
    if (valid.length > 0)
      out.push({
        label: `${c.label} ${validMetric}`,
        data: valid.map((e) => ({ x: e.epoch, y: validValue(e, validMetric)! })),
        borderColor: color(i),
        backgroundColor: alpha(color(i), 0.4),
        borderDash: [6, 4],
        yAxisID: 'valid',
        pointRadius: 0,
      });
    return out;
  });
  const hasLoss = datasets.some((d) => d.yAxisID === 'loss');
  return chart(
    caption,
    {
      type: 'line',
      data: { datasets },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          loss: {
            type: 'linear',
            position: 'left',
            display: hasLoss,
            title: { display: true, text: 'loss' },
          },
          valid: {
            type: 'linear',
            position: 'right',
            beginAtZero: true,
            title: { display: true, text: `validation ${validMetric}` },
            grid: { drawOnChartArea: !hasLoss },
          },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    },
    register,
    'chart-epochs',
  ).el;
}

/** Learned modality weights of one or more models, one bar group per modality. */
export function modalityWeights(
  series: { label: string; weights: Record<string, number> | undefined }[],
  register: Register,
  caption = 'Learned modality weights',
): HTMLElement | null {
  const usable = series.filter((s) => Object.values(s.weights ?? {}).some((v) => typeof v === 'number'));
  if (usable.length === 0) return null;
  const names = [...new Set(usable.flatMap((s) => Object.keys(s.weights ?? {})))];
  return chart(
    caption,
    {
      type: 'bar',
      data: {
        labels: names,
        datasets: usable.map((s, i) => ({
          label: s.label,
          data: names.map((n) => s.weights?.[n] ?? null) as number[],
          backgroundColor: usable.length === 1 ? names.map((_, j) => color(j + 2)) : color(i + 2),
        })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true } },
        plugins: { legend: { display: usable.length > 1, position: 'bottom' } },
      },
    },
    register,
    'chart-weights',
  ).el;
}
