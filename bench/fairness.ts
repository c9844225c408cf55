/**
 * Fairness trade-offs (issue 16): every re-ranking stage at two strengths against no re-ranking,
 * on Last.fm-2k (text + Whisper), MovieLens ml-latest-small (rating >= 4) and the demo catalog
 * (generated into a temp folder, built-in text/image/audio encoders). Models: LightGCN (lr 5e-3)
 * everywhere, FREEDOM where there are content modalities. Each model trains with early stopping on
 * valid Recall@20 (patience 10, at most 150 epochs, `--max-epochs`); at the best-validation epoch the top 100
 * items of every test user (training items masked, as the experiment runner does) and their
 * scores are kept; every re-ranker turns those 100 into a top 20. Accuracy (Recall@20, NDCG@20,
 * per user, paired t-test against no re-ranking on the same users) and the bias figures of
 * src/eval/metrics/bias.ts are computed on the top 20.
 *
 * Item vectors (MMR and ILD): the L2-normalised concatenated content modalities (Last.fm, demo),
 * the genres as multi-hot vectors (MovieLens). Calibration categories: genres (MovieLens), the
 * demo's categories, popularity bands head/mid/tail on Last.fm (calibrated popularity). Item
 * groups: `pop` (head = 20% of training interactions, mid = the next 60%, tail = the last 20%)
 * everywhere, plus `genre` (first genre) on MovieLens and `style` on the demo.
 *
 *   node --import tsx bench/fairness.ts [--data lfm2k,ml,demo] [--seeds 1,2,3] [--models lightgcn,freedom]
 *     [--max-epochs 150] [--out f.json]
 *   node --import tsx bench/fairness.ts --report a.json,b.json   (tables again, runs of several files merged)
 *
 * Prints one table per dataset and model and writes bench/results/fairness.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../src/data/dataset.js';
import { evaluateSplit } from '../src/eval/evaluator.js';
import {
  activityGroups,
  contentVectors,
  groupAccuracy,
  listBiasFigures,
  providerExposure,
  tailItems,
} from '../src/eval/metrics/bias.js';
import { rankingMetric } from '../src/eval/metrics/ranking.js';
import { compareModels } from '../src/eval/significance.js';
import { loadDataset } from '../src/experiment/dataset-spec.js';
import { buildSplit } from '../src/experiment/experiment.js';
import { textTable } from '../src/experiment/report.js';
import { datasetPath } from '../src/io/data-root.js';
import { encodeCatalog } from '../src/jobs/encode.js';
import { createModel } from '../src/models/registry.js';
import { makeItemGroups } from '../src/rerank/groups.js';
import { rerankPipeline } from '../src/rerank/pipeline.js';
import type { ItemGroups, RerankContext } from '../src/rerank/types.js';
import type { Split } from '../src/splits/split.js';
import { interactionsFingerprint } from '../src/util/fingerprint.js';
import { argValue, mean } from './args.js';

const CANDIDATES = 100;
const K = 20;

interface Prepared {
  ds: Dataset;
  vectors: { vectors: Float32Array; dim: number };
  categories: (item: number) => readonly string[];
  /** Extra item attribute for `fair:` besides `pop`. */
  extra?: { name: string; labels: (string | undefined)[] };
  models: string[];
  cleanup?: () => void;
}

function genreVectors(ds: Dataset): { vectors: Float32Array; dim: number } {
  const names = [...new Set(ds.catalog!.flatMap((it) => it?.categories ?? []))].sort();
  const at = new Map(names.map((g, d) => [g, d]));
  const v = new Float32Array(ds.items.size * names.length);
  ds.catalog!.forEach((it, i) => {
    for (const g of it?.categories ?? []) v[i * names.length + at.get(g)!] = 1;
  });
  return { vectors: v, dim: names.length };
}

async function prepare(name: string): Promise<Prepared> {
  if (name === 'lfm2k') {
    const f = (file: string) => datasetPath('lastfm-2k-mm', 'features', file);
    const ds = await loadDataset('shared:lfm2k', {
      modalities: { text: f('all-MiniLM-L6-v2.npy'), audio: f('whisper.npy') },
    });
    return {
      ds,
      vectors: contentVectors(ds.modalities, ds.items.size)!,
      categories: () => [], // replaced by popularity bands once the split is known
      models: ['lightgcn', 'freedom'],
    };
  }
  if (name === 'ml') {
    const ds = await loadDataset('shared:ml-latest-small', { positive: ['rating>=4'] });
    return {
      ds,
      vectors: genreVectors(ds),
      categories: (i) => ds.catalog![i]?.categories ?? [],
      extra: { name: 'genre', labels: ds.catalog!.map((it) => it?.categories[0]) },
      models: ['lightgcn'],
    };
  }
  if (name === 'demo') {
    const dir = mkdtempSync(join(tmpdir(), 'fusionrec-fair-demo-'));
    const ds = await loadDataset(`demo:${join(dir, 'demo')}`);
    const enc = await encodeCatalog(ds, join(dir, 'demo'), {
      text: { name: 'builtin' },
      image: { name: 'builtin' },
      audio: { name: 'mfcc' },
    });
    ds.modalities.push(...enc.modalities);
    return {
      ds,
      vectors: contentVectors(ds.modalities, ds.items.size)!,
      categories: (i) => ds.catalog![i]?.categories ?? [],
      extra: { name: 'style', labels: ds.catalog!.map((it) => String(it?.attributes.style ?? '')) },
      models: ['lightgcn', 'freedom'],
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  throw new Error(`unknown data "${name}" (lfm2k, ml, demo)`);
}

/** Model labels of --models and what they train: `fusion-ips` is the training-time popularity debiasing. */
const PARAMS: Record<string, Record<string, unknown>> = {
  lightgcn: { lr: 0.005 },
  freedom: {},
  fusion: {},
  'fusion-ips': { model: 'fusion', ipsBeta: 0.5 },
};

interface Candidates {
  users: Int32Array;
  ids: Int32Array[];
  scores: Float32Array[];
  bestEpoch: number;
  epochs: number;
}

/** Trains with early stopping and keeps the top-100 candidates at the best-validation epoch. */
async function train(p: Prepared, split: Split, model: string, seed: number): Promise<Candidates> {
  const { model: registered, ...params } = PARAMS[model] ?? {};
  const m = createModel(typeof registered === 'string' ? registered : model, params);
  let best = Number.NEGATIVE_INFINITY;
  let since = 0;
  let kept: Candidates | undefined;
  const report = await m.fit(
    {
      train: split.train,
      valid: split.valid,
      modalities: p.ds.modalities,
      fingerprint: interactionsFingerprint(p.ds.name, split.train),
    },
    {
      seed,
      maxEpochs: Number(argValue('max-epochs', '150')),
      onEpochEnd: async (info) => {
        const v = (await evaluateSplit(m, split, 'valid', { ks: [20], metrics: ['recall'] })).metrics[
          'recall@20'
        ]!;
        if (v > best) {
          best = v;
          since = 0;
          const t = await evaluateSplit(m, split, 'test', { ks: [CANDIDATES], metrics: ['recall'] });
          const n = split.train.nItems;
          const ids: Int32Array[] = [];
          const scores: Float32Array[] = [];
          const batch = 128;
          const out = new Float32Array(batch * n);
          for (let b = 0; b < t.users.length; b += batch) {
            const us = t.users.subarray(b, Math.min(t.users.length, b + batch));
            m.scoreBatch(us, out);
            for (let u = 0; u < us.length; u++) {
              const list = t.topLists
                .subarray((b + u) * CANDIDATES, (b + u + 1) * CANDIDATES)
                .filter((i) => i >= 0);
              ids.push(list);
              scores.push(Float32Array.from(list, (i) => out[u * n + i]!));
            }
          }
          kept = { users: t.users, ids, scores, bestEpoch: info.epoch, epochs: 0 };
        } else since++;
        return since > 10 ? 'stop' : 'continue';
      },
    },
  );
  kept!.epochs = report.epochs;
  return kept!;
}

interface Row {
  data: string;
  model: string;
  seed: number;
  rerank: string;
  r20: number;
  n20: number;
  /** Paired against no re-ranking, same users. */
  dN20: number;
  pN20: number;
  dR20: number;
  pR20: number;
  arp: number;
  poplift: number;
  gini: number;
  top1share: number;
  longtail: number;
  coverage: number;
  novelty: number;
  ild: number;
  /** Exposure share / relevance share of the popularity tail band. */
  tailRatio: number;
  /** Recall@20 gap between the most and least active user thirds, and Welch's p. */
  activityGap: number;
  activityP: number;
  /** The extra attribute's groups: the smallest and largest exposure / relevance ratio. */
  extraMinRatio: number;
  extraMaxRatio: number;
  seconds: number;
}

function specsFor(p: Prepared): string[] {
  const s = [
    'none',
    'mmr:0.2',
    'mmr:0.5',
    'calib:0.3',
    'calib:0.7',
    'pop:0.25',
    'pop:0.5',
    'tail:0.1',
    'tail:0.3',
    'fair:pop=0.5',
    'fair:pop=1',
  ];
  if (p.extra) s.push(`fair:${p.extra.name}=1`);
  return s;
}

async function runOne(data: string, p: Prepared, model: string, seed: number): Promise<Row[]> {
  const split = buildSplit(p.ds, undefined, seed);
  const nItems = split.train.nItems;
  const pop = split.train.itemCounts();
  const tail20 = tailItems(pop, 0.2); // outside the head holding 20% of interactions
  const tail80 = tailItems(pop, 0.8);
  const band = Array.from(pop, (_, i) => (!tail20[i] ? 'head' : !tail80[i] ? 'mid' : 'tail'));
  const groups: Record<string, ItemGroups> = { pop: makeItemGroups(band) };
  if (p.extra) groups[p.extra.name] = makeItemGroups(p.extra.labels);
  const categories = data === 'lfm2k' ? (i: number) => [band[i]!] : p.categories;
  const { vectors, dim } = p.vectors;
  const itemVector = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const t0 = performance.now();
  const cand = await train(p, split, model, seed);
  console.log(
    `${data} ${model} seed ${seed}: trained ${cand.epochs} epochs (best ${cand.bestEpoch}) in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s; ${cand.users.length} test users`,
  );
  const activity = activityGroups(cand.users, (u) => split.train.rowLength(u), 3);
  const rows: Row[] = [];
  let base: { r: Float64Array; n: Float64Array } | undefined;
  for (const spec of specsFor(p)) {
    const t1 = performance.now();
    const pipe = rerankPipeline(spec, { k: K });
    const lists: Int32Array[] = [];
    const rec = new Float64Array(cand.users.length);
    const ndcg = new Float64Array(cand.users.length);
    for (let x = 0; x < cand.users.length; x++) {
      const u = cand.users[x]!;
      const ctx: RerankContext = {
        itemVector,
        itemPopularity: pop,
        tail: tail20,
        itemCategories: categories,
        itemGroups: groups,
        history: split.train.row(u),
      };
      const top = pipe.run(cand.ids[x]!, cand.scores[x]!, ctx).ids.subarray(0, K);
      lists.push(top);
      const hits = Uint8Array.from(top, (i) => (split.test.has(u, i) ? 1 : 0));
      const nRel = split.test.rowLength(u);
      rec[x] = rankingMetric('recall', hits, nRel, K);
      ndcg[x] = rankingMetric('ndcg', hits, nRel, K);
    }
    const f = listBiasFigures(lists, {
      nItems,
      nUsers: split.train.nUsers,
      itemPopularity: pop,
      tail: tail20,
      history: (x) => split.train.row(cand.users[x]!),
      vectors: p.vectors,
    });
    const relevant = (x: number) => split.test.row(cand.users[x]!);
    const popExp = providerExposure(lists, relevant, (i) => band[i], nItems);
    const extraExp = p.extra ? providerExposure(lists, relevant, (i) => p.extra!.labels[i], nItems) : [];
    const extraRatios = extraExp.filter((g) => g.relevance >= 0.01).map((g) => g.ratio);
    const act = groupAccuracy(rec, activity);
    if (!base) base = { r: rec, n: ndcg };
    const cn = compareModels(ndcg, base.n, { seed, samples: 200 });
    const cr = compareModels(rec, base.r, { seed, samples: 200 });
    rows.push({
      data,
      model,
      seed,
      rerank: spec,
      r20: mean([...rec]),
      n20: mean([...ndcg]),
      dN20: cn.meanDiff,
      pN20: cn.tTest.pValue,
      dR20: cr.meanDiff,
      pR20: cr.tTest.pValue,
      arp: f.arp!,
      poplift: f.poplift!,
      gini: f.gini!,
      top1share: f.top1share!,
      longtail: f.longtail!,
      coverage: f.coverage!,
      novelty: f.novelty!,
      ild: f.ild!,
      tailRatio: popExp.find((g) => g.group === 'tail')?.ratio ?? Number.NaN,
      activityGap: act.gap,
      activityP: act.test?.pValue ?? Number.NaN,
      extraMinRatio: extraRatios.length ? Math.min(...extraRatios) : Number.NaN,
      extraMaxRatio: extraRatios.length ? Math.max(...extraRatios) : Number.NaN,
      seconds: (performance.now() - t1) / 1000,
    });
  }
  return rows;
}

const pct = (x: number, base: number): string =>
  `${x >= base ? '+' : ''}${((100 * (x - base)) / base).toFixed(1)}%`;

function table(rows: Row[]): string {
  const specs = [...new Set(rows.map((r) => r.rerank))];
  const avg = (spec: string, key: keyof Row): number =>
    mean(rows.filter((r) => r.rerank === spec).map((r) => r[key] as number));
  const maxP = (spec: string, key: 'pN20' | 'pR20'): number =>
    Math.max(...rows.filter((r) => r.rerank === spec).map((r) => r[key]));
  const b = (key: keyof Row) => avg('none', key);
  return textTable(
    [
      're-rank',
      'R@20',
      'N@20',
      'ΔN@20 (max p)',
      'ARP',
      'ΔARP',
      'lift',
      'Gini',
      'top1%',
      'LT share',
      'cov',
      'ILD',
      'tail exp/rel',
      'act. gap (p)',
      'extra ratio min-max',
      'bias removed / acc. lost',
    ],
    specs.map((s) => {
      const dN = (avg(s, 'n20') - b('n20')) / b('n20');
      const dArp = (avg(s, 'arp') - b('arp')) / b('arp');
      return [
        s,
        avg(s, 'r20').toFixed(4),
        avg(s, 'n20').toFixed(4),
        s === 'none' ? '' : `${pct(avg(s, 'n20'), b('n20'))} (${maxP(s, 'pN20').toExponential(1)})`,
        avg(s, 'arp').toFixed(1),
        s === 'none' ? '' : pct(avg(s, 'arp'), b('arp')),
        avg(s, 'poplift').toFixed(2),
        avg(s, 'gini').toFixed(3),
        avg(s, 'top1share').toFixed(3),
        avg(s, 'longtail').toFixed(3),
        avg(s, 'coverage').toFixed(3),
        avg(s, 'ild').toFixed(3),
        avg(s, 'tailRatio').toFixed(2),
        `${avg(s, 'activityGap').toFixed(3)} (${avg(s, 'activityP').toExponential(1)})`,
        Number.isNaN(avg(s, 'extraMinRatio'))
          ? '-'
          : `${avg(s, 'extraMinRatio').toFixed(2)}-${avg(s, 'extraMaxRatio').toFixed(2)}`,
        s === 'none' || dN >= 0 ? '-' : (dArp / dN).toFixed(1),
      ];
    }),
  );
}

/** Reprints the tables from result files (e.g. a seed-1 run and a seeds-2,3 run of the same data). */
function reportFrom(files: string[]): void {
  const rows = files.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Row[] }).rows);
  for (const key of [...new Set(rows.map((r) => `${r.data} / ${r.model}`))]) {
    const rs = rows.filter((r) => `${r.data} / ${r.model}` === key);
    const seeds = [...new Set(rs.map((r) => r.seed))];
    console.log(`\n${key} (seeds ${seeds.join(', ')}; top ${K} re-ranked from ${CANDIDATES})\n${table(rs)}`);
  }
}

async function main(): Promise<void> {
  const report = argValue('report', '');
  if (report) {
    reportFrom(report.split(','));
    return;
  }
  const datas = argValue('data', 'lfm2k,ml,demo').split(',');
  const seeds = argValue('seeds', '1').split(',').map(Number);
  const only = argValue('models', '');
  const out = argValue('out', 'bench/results/fairness.json');
  const all: Row[] = [];
  const t0 = performance.now();
  const tables: string[] = [];
  for (const data of datas) {
    const p = await prepare(data);
    try {
      // --models may name any label of PARAMS (e.g. fusion, fusion-ips); default: the data set's own list
      const models = only ? only.split(',').filter((m) => p.models.includes(m) || m in PARAMS) : p.models;
      for (const model of models) {
        const rows: Row[] = [];
        for (const seed of seeds) rows.push(...(await runOne(data, p, model, seed)));
        all.push(...rows);
        const t = `\n${data} / ${model} (seeds ${seeds.join(', ')}; top ${K} re-ranked from ${CANDIDATES})\n${table(rows)}`;
        console.log(t);
        tables.push(t);
        writeFileSync(
          out,
          `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), seeds, candidates: CANDIDATES, k: K, rows: all }, null, 1)}\n`,
        );
      }
    } finally {
      p.cleanup?.();
    }
  }
  console.log(`\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} min; wrote ${out}`);
}

await main();
