/**
 * @module experiment/report
 * Plain-text tables of experiment results (what `fusionrec experiment` prints).
 */
import type { ExperimentResult } from './experiment.js';

/** Renders rows as an aligned text table (first column left-aligned, the rest right-aligned). */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const fmt = (v: number | undefined, digits = 4): string =>
  v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);

/** The main results table: Recall, NDCG, Precision, MAP at 10 and 20, seconds per epoch, best epoch. */
export function formatExperiment(r: ExperimentResult): string {
  const d = r.dataset;
  const title =
    `dataset ${d.name}: ${d.users} users, ${d.items} items; train ${d.train}, valid ${d.valid}, test ${d.test} ` +
    `(${d.split}; ${d.testUsers} users with test items; seed ${r.seed})`;
  const cols = [
    'recall@10',
    'recall@20',
    'ndcg@10',
    'ndcg@20',
    'precision@10',
    'precision@20',
    'map@10',
    'map@20',
  ];
  const header = [
    'model',
    'R@10',
    'R@20',
    'N@10',
    'N@20',
    'P@10',
    'P@20',
    'MAP@10',
    'MAP@20',
    's/epoch',
    'best epoch',
  ];
  const rows = r.results.map((m) => [
    m.label,
    ...cols.map((c) => fmt(m.metrics[c])),
    fmt(m.trainSecondsPerEpoch, 3),
    `${m.bestEpoch}/${m.epochs}`,
  ]);
  const parts = [title, '', textTable(header, rows)];
  const learned = r.results.filter((m) => m.learned);
  if (learned.length > 0) {
    parts.push('');
    for (const m of learned) parts.push(`learned by ${m.label} (best epoch): ${formatLearned(m.learned!)}`);
  }
  if (r.comparisons.length > 0) {
    const ch = ['model vs baseline', 'metric', 'mean diff', '95% CI', 't-test p', 'Wilcoxon p'];
    const cr = r.comparisons.map((c) => [
      `${c.model} vs ${c.baseline}`,
      c.metric,
      fmt(c.meanDiff),
      `[${fmt(c.ciLow)}, ${fmt(c.ciHigh)}]`,
      c.tTestP.toExponential(2),
      c.wilcoxonP.toExponential(2),
    ]);
    parts.push('', textTable(ch, cr));
  }
  return parts.join('\n');
}

/** "modalityWeights text=0.61 audio=0.39; layerWeights 0.2 0.5 0.3" */
export function formatLearned(learned: Record<string, unknown>): string {
  return Object.entries(learned)
    .map(([k, v]) => {
      if (Array.isArray(v)) return `${k} ${v.map((x) => fmt(Number(x), 3)).join(' ')}`;
      if (v && typeof v === 'object')
        return `${k} ${Object.entries(v as Record<string, unknown>)
          .map(([n, x]) => `${n}=${fmt(Number(x), 3)}`)
          .join(' ')}`;
      return `${k} ${String(v)}`;
    })
    .join('; ');
}
