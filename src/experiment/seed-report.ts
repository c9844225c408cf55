/**
 * @module experiment/seed-report
 * Plain-text tables of an experiment repeated over seeds: every metric as mean ± std with its 95%
 * interval, the per-seed values of the validation metric, and the paired tests over seeds and
 * over users.
 */
import { textTable } from './report.js';
import type { SeedSummary } from './seed-stats.js';
import type { SeedExperimentResult } from './seeds.js';

const fmt = (v: number | undefined, digits = 4): string =>
  v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);

/** "0.4012 ± 0.0031" */
export function meanStd(s: SeedSummary | undefined, digits = 4): string {
  return s ? `${fmt(s.mean, digits)} ± ${fmt(s.std, digits)}` : '-';
}

const pValue = (p: number): string => (p < 1e-3 ? p.toExponential(1) : p.toFixed(3));

export function formatSeedExperiment(r: SeedExperimentResult, metric = 'recall@20'): string {
  const d = r.dataset;
  const title =
    `dataset ${d.name}: ${d.users} users, ${d.items} items (${d.split.replace(/seed=\d+/, 'seed=each run')}); ` +
    `${r.seeds.length} seeds: ${r.seeds.join(', ')}; mean ± sample std, [95% t-interval of the mean]`;
  const cols = ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20', 'precision@20', 'map@20'];
  const header = [
    'model',
    ...cols.map((c) =>
      c.replace('recall', 'R').replace('ndcg', 'N').replace('precision', 'P').replace('map', 'MAP'),
    ),
    `${metric} 95% CI`,
    's/epoch',
  ];
  const rows = r.summary.map((m) => [
    m.label,
    ...cols.map((c) => meanStd(m.metrics[c])),
    m.metrics[metric] ? `[${fmt(m.metrics[metric]!.ciLow)}, ${fmt(m.metrics[metric]!.ciHigh)}]` : '-',
    fmt(m.trainSecondsPerEpoch.mean, 3),
  ]);
  const parts = [title, '', textTable(header, rows)];
  const perSeedHeader = ['model', ...r.seeds.map((s) => `seed ${s}`)];
  const perSeedRows = r.summary.map((m, k) => [
    m.label,
    ...r.runs.map((run) => fmt(run.results[k]?.metrics[metric])),
  ]);
  parts.push('', `test ${metric} per seed`, textTable(perSeedHeader, perSeedRows));
  if (r.comparisons.length > 0) {
    const ch = [
      'model vs baseline',
      'metric',
      'mean diff',
      'wins',
      'seeds t p',
      'seeds Wilcoxon p',
      'users t p',
      'users Wilcoxon p',
    ];
    const cr = r.comparisons.map((c) => [
      `${c.model} vs ${c.baseline}`,
      c.metric,
      fmt(c.seeds.meanDiff),
      `${c.seeds.wins}/${c.seeds.n}`,
      pValue(c.seeds.tTestP),
      pValue(c.seeds.wilcoxonP),
      c.users ? pValue(c.users.tTestP) : '-',
      c.users ? pValue(c.users.wilcoxonP) : '-',
    ]);
    parts.push('', textTable(ch, cr));
    parts.push(
      'seeds: paired over the per-seed values (Wilcoxon cannot go below 2/2^n); users: paired over each ' +
        "user's value averaged over seeds (only when every seed tested the same users).",
    );
  }
  return parts.join('\n');
}
