/**
 * @module web/components/ab-charts
 * A/B charts: each arm's rate with its 95% interval (floating bars and a point), and the
 * cumulative rate over time per arm with a Wilson band.
 */
import type { ArmResult, ExperimentDetail } from '../api/types.js';
import { toDate } from '../format.js';
import { wilson } from '../stats.js';
import { alpha, chart, color } from './chart.js';

type Register = (cleanup: () => void) => void;

export function rateWithInterval(
  arms: ArmResult[],
  kind: 'ctr' | 'conversion',
  register: Register,
): HTMLElement {
  const pick = (a: ArmResult): [number, number, number] =>
    kind === 'ctr' ? [a.ctr, a.ctrLow, a.ctrHigh] : [a.conversionRate, a.convLow, a.convHigh];
  const name = kind === 'ctr' ? 'CTR' : 'conversion rate';
  return chart(
    `${name} per arm with 95% interval`,
    {
      type: 'bar',
      data: {
        labels: arms.map((a) => a.name),
        datasets: [
          {
            type: 'bar',
            label: '95% interval',
            data: arms.map((a) => [pick(a)[1], pick(a)[2]] as unknown as number),
            backgroundColor: arms.map((_, i) => alpha(color(i), 0.3)),
            borderColor: arms.map((_, i) => color(i)),
            borderWidth: 1,
            barPercentage: 0.5,
          },
          {
            type: 'line',
            label: name,
            data: arms.map((a) => pick(a)[0]),
            showLine: false,
            pointRadius: 7,
            pointStyle: 'rectRot',
            backgroundColor: arms.map((_, i) => color(i)),
            borderColor: '#222',
          },
        ],
      },
      options: {
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => `${(Number(v) * 100).toFixed(1)}%` } } },
        plugins: { legend: { position: 'bottom' } },
      },
    },
    register,
    `chart-${kind}-arms`,
  ).el;
}

/** Per arm, cumulative counts at each time of the series (buckets summed in time order). */
export function cumulative(
  series: NonNullable<ExperimentDetail['timeseries']>,
): Map<string, { t: number; impressions: number; clicks: number; conversions: number }[]> {
  const sorted = [...series]
    .map((p) => ({ ...p, ms: toDate(p.t)?.getTime() ?? Number(p.t) }))
    .sort((a, b) => a.ms - b.ms);
  const out = new Map<string, { t: number; impressions: number; clicks: number; conversions: number }[]>();
  for (const p of sorted) {
    const rows = out.get(p.arm) ?? [];
    const last = rows[rows.length - 1];
    rows.push({
      t: p.ms,
      impressions: (last?.impressions ?? 0) + p.impressions,
      clicks: (last?.clicks ?? 0) + p.clicks,
      conversions: (last?.conversions ?? 0) + p.conversions,
    });
    out.set(p.arm, rows);
  }
  return out;
}

export function rateOverTime(
  d: ExperimentDetail,
  kind: 'ctr' | 'conversion',
  register: Register,
): HTMLElement | null {
  const series = d.timeseries ?? [];
  // a curve needs two points in time
  if (new Set(series.map((p) => String(p.t))).size < 2) return null;
  const cum = cumulative(series);
  const order = d.arms.map((a) => a.name);
  for (const arm of cum.keys()) if (!order.includes(arm)) order.push(arm);
  const datasets = order.flatMap((arm, i) => {
    const rows = (cum.get(arm) ?? []).filter((r) => r.impressions > 0);
    const k = (r: { clicks: number; conversions: number }) => (kind === 'ctr' ? r.clicks : r.conversions);
    const band = rows.map((r) => ({ t: r.t, ci: wilson(k(r), r.impressions), rate: k(r) / r.impressions }));
    return [
      {
        label: `${arm} high`,
        data: band.map((b) => ({ x: b.t, y: b.ci[1] })),
        borderColor: 'transparent',
        pointRadius: 0,
        fill: false,
      },
      {
        label: `${arm} 95% band`,
        data: band.map((b) => ({ x: b.t, y: b.ci[0] })),
        borderColor: 'transparent',
        backgroundColor: alpha(color(i), 0.18),
        pointRadius: 0,
        fill: '-1',
      },
      {
        label: arm,
        data: band.map((b) => ({ x: b.t, y: b.rate })),
        borderColor: color(i),
        backgroundColor: color(i),
        pointRadius: 2,
        fill: false,
      },
    ];
  });
  const span =
    Math.max(...series.map((p) => toDate(p.t)?.getTime() ?? 0)) -
    Math.min(...series.map((p) => toDate(p.t)?.getTime() ?? 0));
  const fmt = (ms: number) => {
    const t = new Date(ms);
    return span > 2 * 86400_000
      ? t.toLocaleDateString()
      : t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  return chart(
    `Cumulative ${kind === 'ctr' ? 'CTR' : 'conversion rate'} over time (95% Wilson band)`,
    {
      type: 'line',
      data: { datasets },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', ticks: { callback: (v) => fmt(Number(v)), maxTicksLimit: 8 } },
          y: { beginAtZero: true, ticks: { callback: (v) => `${(Number(v) * 100).toFixed(1)}%` } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { filter: (item) => !/ (high|95% band)$/.test(item.text) } },
          tooltip: { callbacks: { title: (items) => fmt(Number(items[0]?.parsed.x ?? 0)) } },
        },
      },
    },
    register,
    `chart-${kind}-time`,
  ).el;
}
