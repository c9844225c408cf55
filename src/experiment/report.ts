/**
 * @module experiment/report
 * Plain-text tables of experiment results (what `fusionrec experiment` prints).
 */
import type { GroupAccuracy, ProviderGroupStat } from '../eval/metrics/bias.js';
import type { ExperimentResult, ModelResult } from './experiment.js';

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
  const bias = formatBias(r.results);
  if (bias) parts.push('', bias);
  return parts.join('\n');
}

/**
 * The second table: popularity bias, exposure concentration, coverage, novelty and diversity of
 * the test top 20, then each model's accuracy per user group and exposure per item group.
 */
export function formatBias(results: readonly ModelResult[]): string {
  const withBias = results.filter((m) => m.metrics['arp@20'] !== undefined);
  if (withBias.length === 0) return '';
  const header = ['model', 'ARP@20', 'pop lift', 'Gini', 'top 1%', 'long tail', 'coverage', 'novelty', 'ILD'];
  const keys = [
    'arp@20',
    'poplift@20',
    'gini@20',
    'top1share@20',
    'longtail@20',
    'coverage@20',
    'novelty@20',
    'ild@20',
  ];
  const rows = withBias.map((m) => [
    m.label,
    ...keys.map((key) => fmt(m.metrics[key], key === 'arp@20' || key === 'novelty@20' ? 2 : 3)),
  ]);
  const parts = ['bias and diversity of the test top 20', textTable(header, rows)];
  for (const m of withBias) {
    const f = m.fairness;
    if (!f) continue;
    parts.push(`${m.label}: ${f.metric} by activity: ${formatGroups(f.activity)}`);
    for (const [name, g] of Object.entries(f.userAttributes)) {
      parts.push(`${m.label}: ${f.metric} by ${name}: ${formatGroups(g)}`);
    }
    for (const [name, groups] of Object.entries(f.providers)) {
      parts.push(`${m.label}: exposure/relevance by item ${name}: ${formatProviders(groups)}`);
    }
  }
  return parts.join('\n');
}

/** "q1 (1-5) 0.21 (n 600), q2 (6-20) 0.30 (n 610); gap 0.09, Welch p 1.2e-3" */
export function formatGroups(g: GroupAccuracy): string {
  const groups = g.groups.map((x) => `${x.group} ${fmt(x.mean)} (n ${x.n})`).join(', ');
  const test = g.test ? `; gap ${fmt(g.gap)}, Welch p ${g.test.pValue.toExponential(1)}` : '';
  return `${groups}${test}`;
}

/**
 * "head 2.10 (0.61/0.29), mid …" — exposure/relevance ratio (exposure share / relevance share).
 * With more than 6 groups, only the 3 most over- and 3 most under-exposed groups that have
 * relevance.
 */
export function formatProviders(groups: readonly ProviderGroupStat[]): string {
  const one = (g: ProviderGroupStat) =>
    `${g.group} ${Number.isFinite(g.ratio) ? g.ratio.toFixed(2) : '-'} (${fmt(g.exposure, 3)}/${fmt(g.relevance, 3)})`;
  if (groups.length <= 6) return groups.map(one).join(', ');
  const rel = groups.filter((g) => g.relevance > 0).sort((a, b) => b.ratio - a.ratio);
  const top = rel.slice(0, 3);
  const bottom = rel.slice(Math.max(3, rel.length - 3));
  return `${groups.length} groups; most exposed ${top.map(one).join(', ')}; least ${bottom.map(one).join(', ')}`;
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
