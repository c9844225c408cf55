/**
 * @module cli/commands/ab
 * `fusionrec ab report|create|list|stop --db …`: A/B experiments from the command line. `report`
 * prints the per-arm table the server's `GET /v1/experiments/{id}` returns (impressions, clicks,
 * CTR with its Wilson interval, conversions, conversion rate) and the significance verdict.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import { textTable } from '../../experiment/report.js';
import { ExperimentManager, type ExperimentReport, validateArms } from '../../serve/engine/experiments.js';
import { requireExistingStore } from '../../serve/store-file.js';
import { openStore } from '../../store/open.js';
import type { ExperimentArm, Store } from '../../store/types.js';
import { collect } from './train.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '-');

/** The report as a table plus the verdict. */
export function formatReport(r: ExperimentReport): string {
  const rows = r.arms.map((a) => [
    a.name,
    String(a.version),
    a.share.toFixed(2),
    String(a.impressions),
    String(a.clicks),
    pct(a.ctr),
    `[${pct(a.ctrLow)}, ${pct(a.ctrHigh)}]`,
    String(a.conversions),
    pct(a.conversionRate),
    `[${pct(a.convLow)}, ${pct(a.convHigh)}]`,
  ]);
  const table = textTable(
    [
      'arm',
      'version',
      'share',
      'impressions',
      'clicks',
      'CTR',
      'CTR 95% CI',
      'conversions',
      'conv. rate',
      'conv. 95% CI',
    ],
    rows,
  );
  const s = r.significance;
  const p = Number.isFinite(s.pValue) ? `p = ${s.pValue.toPrecision(3)}` : 'p = -';
  const verdict = `${s.test}: ${s.verdict} (${p})${s.winner ? `, winner: ${s.winner}` : ''}${s.control ? `, control: ${s.control}` : ''}`;
  return `experiment ${r.name} (${r.id}), ${r.status}, since ${r.createdAt}\n${table}\n${verdict}`;
}

/** `name=version:share` → an arm. */
function parseArm(text: string): ExperimentArm {
  const m = /^([^=]+)=(\d+)(?::([0-9.]+))?$/.exec(text.trim());
  if (!m)
    throw new InvalidArgumentError(`--arm expects name=version[:share], e.g. control=3:0.5, got "${text}"`);
  return { name: m[1]!.trim(), version: Number(m[2]), share: m[3] === undefined ? 1 : Number(m[3]) };
}

async function withStore<T>(url: string, f: (s: Store) => Promise<T>): Promise<T> {
  requireExistingStore(url);
  const store = await openStore(url);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export function registerAb(program: Command): void {
  const ab = program.command('ab').description('A/B experiments between model versions');
  ab.command('report')
    .description('per-arm CTR and conversion with confidence intervals and a significance test')
    .requiredOption('--db <url>', 'store URL')
    .requiredOption('-e, --experiment <id|name>', 'the experiment')
    .option('--json', 'print the report as JSON (with the time series)')
    .option('--bucket <seconds>', 'time-series bucket', '3600')
    .action(async (flags: { db: string; experiment: string; json?: boolean; bucket: string }) => {
      await withStore(flags.db, async (store) => {
        const m = new ExperimentManager(store, { clickTypes: [], conversionTypes: [] });
        const r = await m.report(flags.experiment, Number(flags.bucket));
        process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatReport(r)}\n`);
      });
    });
  ab.command('create')
    .description(
      'start an experiment (running servers on the same store pick it up within a second, from the change feed)',
    )
    .requiredOption('--db <url>', 'store URL')
    .requiredOption('-n, --name <name>', 'experiment name')
    .requiredOption('--arm <name=version:share>', 'an arm (repeat, at least two)', collect, [])
    .action(async (flags: { db: string; name: string; arm: string[] }) => {
      const arms = flags.arm.map(parseArm);
      validateArms(arms);
      await withStore(flags.db, async (store) => {
        const versions = new Set((await store.listModelVersions()).map((v) => v.version));
        for (const a of arms)
          if (!versions.has(a.version)) throw new NotFoundError(`unknown model version ${a.version}`);
        const e = await store.createExperiment({ name: flags.name, arms });
        await store.addAudit({
          actor: 'cli',
          action: 'experiment.start',
          target: e.id,
          details: { name: e.name, arms },
        });
        process.stdout.write(`started experiment ${e.name} (${e.id})\n`);
      });
    });
  ab.command('list')
    .description('experiments')
    .requiredOption('--db <url>', 'store URL')
    .action(async (flags: { db: string }) => {
      await withStore(flags.db, async (store) => {
        const rows = (await store.listExperiments()).map((e) => [
          e.id,
          e.name,
          e.status,
          e.arms.map((a) => `${a.name}=v${a.version}:${a.share}`).join(' '),
          e.createdAt,
        ]);
        process.stdout.write(`${textTable(['id', 'name', 'status', 'arms', 'created'], rows)}\n`);
      });
    });
  ab.command('stop')
    .description('stop an experiment')
    .requiredOption('--db <url>', 'store URL')
    .requiredOption('-e, --experiment <id|name>', 'the experiment')
    .action(async (flags: { db: string; experiment: string }) => {
      await withStore(flags.db, async (store) => {
        const e = await store.stopExperiment(flags.experiment);
        await store.addAudit({
          actor: 'cli',
          action: 'experiment.stop',
          target: e.id,
          details: { name: e.name },
        });
        process.stdout.write(`stopped experiment ${e.name} (${e.id})\n`);
      });
    });
}
