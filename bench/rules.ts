/**
 * Cost of business rules on the recommend path, in process (no HTTP): an in-memory SQLite store
 * with a synthetic catalog (items with a category and a brand attribute, users with a label) and
 * a small trained BPR model; median time per list of `Engine.recommend` (no rules) against
 * `Engine.recommendRuled` with no rules, with four global rules (block a category, boost a brand,
 * freshness, pin) and with the same rules behind a user segment (one more store read per list).
 *
 *   node --import tsx bench/rules.ts [--items 5000] [--users 1000] [--lists 2000]
 *
 * Prints a table and writes bench/results/rules.json. The machine is shared: compare the ratios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { textTable } from '../src/experiment/report.js';
import { Engine } from '../src/serve/engine/engine.js';
import { trainVersion } from '../src/serve/train/train.js';
import { openStore } from '../src/store/open.js';
import type { RuleInput, StoredFeedback, StoredItem } from '../src/store/types.js';
import { Rng } from '../src/util/rng.js';
import { argValue } from './args.js';

const nItems = Number(argValue('items', '5000'));
const nUsers = Number(argValue('users', '1000'));
const nLists = Number(argValue('lists', '2000'));

const rng = new Rng(7);
const store = await openStore('sqlite::memory:');
const now = Date.now() / 1000;
const items: StoredItem[] = Array.from({ length: nItems }, (_, k) => ({
  id: `i${k}`,
  text: { title: `item ${k}` },
  categories: [`c${k % 20}`],
  labels: [],
  attributes: { brand: `b${k % 50}` },
  timestamp: now - (k % 365) * 86_400,
  hidden: false,
  modalities: {},
}));
await store.upsertItems(items);
await store.upsertUsers(
  Array.from({ length: nUsers }, (_, u) => ({ id: `u${u}`, labels: u % 2 ? ['vip'] : [], attributes: {} })),
);
const feedback: StoredFeedback[] = [];
for (let u = 0; u < nUsers; u++) {
  for (let k = 0; k < 20; k++) {
    // popularity skew: square of a uniform draw
    const i = Math.floor(rng.next() ** 2 * nItems);
    feedback.push({ user: `u${u}`, item: `i${i}`, type: 'click', value: 1, timestamp: now - 1000 });
  }
}
await store.insertFeedback(feedback);
await trainVersion(store, {
  model: 'bpr',
  params: { dim: 32, batchSize: 1024 },
  epochs: 3,
  patience: 1,
  activate: true,
});
const engine = await Engine.open(store, { log: () => {} });

const RULES: RuleInput[] = [
  { name: 'block c3', enabled: true, action: { kind: 'block', match: { categories: ['c3'] } } },
  {
    name: 'boost b7',
    enabled: true,
    action: { kind: 'boost', match: { attribute: 'brand', value: 'b7' }, multiply: 1.5 },
  },
  { name: 'fresh', enabled: true, action: { kind: 'freshness', days: 30, multiply: 1.2 } },
  { name: 'pin', enabled: true, action: { kind: 'pin', item: 'i42', position: 3 } },
];

async function time(label: string, fn: (user: string) => Promise<unknown> | unknown): Promise<number> {
  for (let k = 0; k < 200; k++) await fn(`u${k % nUsers}`); // warm-up
  const t: number[] = [];
  for (let k = 0; k < nLists; k++) {
    const user = `u${(k * 7919) % nUsers}`;
    const t0 = performance.now();
    await fn(user);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  const median = t[Math.floor(t.length / 2)]!;
  console.error(`${label}: ${median.toFixed(4)} ms`);
  return median;
}

const opts = { n: 10, operator: true };
const plain = await time('recommend', (u) => engine.recommend(u, opts));
const none = await time('recommendRuled, no rules', (u) => engine.recommendRuled(u, opts));
for (const r of RULES) await store.putRule(r);
await engine.operator.refreshRules();
const global = await time('4 global rules', (u) => engine.recommendRuled(u, opts));
for (const r of await store.listRules()) await store.putRule({ ...r, segment: { label: 'vip' } });
await engine.operator.refreshRules();
const segment = await time('4 segment rules', (u) => engine.recommendRuled(u, opts));

const rows = [
  ['recommend (no rules)', plain],
  ['recommendRuled, no rules', none],
  ['recommendRuled, 4 global rules', global],
  ['recommendRuled, 4 rules for a segment', segment],
] as const;
console.log(
  textTable(
    ['path', 'median ms/list', 'x recommend'],
    rows.map(([name, ms]) => [name, ms.toFixed(4), (ms / plain).toFixed(2)]),
  ),
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/rules.json',
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      items: nItems,
      users: nUsers,
      lists: nLists,
      medianMs: Object.fromEntries(rows.map(([k, v]) => [k, v])),
    },
    null,
    2,
  )}\n`,
);
await engine.close();
await store.close();
