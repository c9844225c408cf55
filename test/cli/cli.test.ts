/**
 * The command line end to end: a real process on a real catalog folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { generateDemo } from '../../src/demo/generate.js';

const cli = (...args: string[]) => runCli(args);

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-cli-'));
  await generateDemo(join(dir, 'shop'), { items: 80, users: 120, seed: 5 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fusionrec CLI', () => {
  it('experiment prints the table and writes the JSON result', () => {
    const out = join(dir, 'r.json');
    const r = cli(
      'experiment',
      '--dataset',
      `catalog:${join(dir, 'shop')}`,
      '--models',
      'popularity',
      '--json',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/model +R@10 +R@20/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.dataset).toMatchObject({ name: 'demo', users: 120, items: 80 });
    expect(json.dataset.train + json.dataset.valid + json.dataset.test).toBeGreaterThan(0);
    expect(json.results[0]).toMatchObject({ model: 'popularity', bestEpoch: 1, epochs: 1 });
    for (const k of ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20', 'precision@20', 'map@20']) {
      expect(typeof json.results[0].metrics[k]).toBe('number');
    }
    expect(typeof json.results[0].trainSecondsPerEpoch).toBe('number');
    expect(typeof json.results[0].evalSeconds).toBe('number');
  });

  it('--params sets model parameters: one object for all, or one per model (labels tell repeats apart)', () => {
    const out = join(dir, 'p.json');
    const shop = `catalog:${join(dir, 'shop')}`;
    const r = cli(
      'experiment',
      '-d',
      shop,
      '-m',
      'bpr,bpr',
      '-p',
      '[{"dim":8},{"dim":4}]',
      '--max-epochs',
      '2',
      '--json',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.results.map((m: { label: string }) => m.label)).toEqual([
      expect.stringMatching(/^bpr \{"dim":8\}$/),
      expect.stringMatching(/^bpr \{"dim":4\}$/),
    ]);
    expect(json.results[0].params.dim).toBe(8);
    expect(json.results[1].params.dim).toBe(4);
    const bad = cli('experiment', '-d', shop, '-m', 'bpr,itemknn', '-p', '[{"dim":8}]');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--params expects one JSON object, or an array of 2 objects/);
    const unknown = cli('experiment', '-d', shop, '-m', 'bpr', '-p', '{"dimm":8}', '--max-epochs', '1');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown parameter "dimm"/);
  });

  it('names the file, line and field of bad input and exits 2', () => {
    const bad = join(dir, 'bad');
    rmSync(bad, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', bad]);
    writeFileSync(join(bad, 'events.csv'), 'user,item,type,value\nu1,i1,click,1\nu2,i2,click,abc\n');
    const r = cli('experiment', '--dataset', `catalog:${bad}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(bad, 'events.csv')}:3`);
    expect(r.stderr).toContain('field "value"');
  });

  it('rejects an unknown dataset kind and an unknown model with the valid choices', () => {
    const a = cli('experiment', '--dataset', 'nope:x');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/unknown dataset spec "nope:x". Should be one of: mmrec:<path>/);
    const b = cli('experiment', '--dataset', `catalog:${join(dir, 'shop')}`, '--models', 'zzz');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/unknown model "zzz". Should be one of: .*popularity/);
  });
});

describe('fusionrec demo', () => {
  it('generates a small catalog, runs the collaborative and the cold-start content experiments', () => {
    const demoDir = join(dir, 'demo');
    const r = cli(
      'demo',
      '--dir',
      demoDir,
      '--items',
      '120',
      '--users',
      '150',
      '--models',
      'popularity,bpr',
      '--max-epochs',
      '3',
      '--no-serve',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1. collaborative models');
    expect(r.stdout).toMatch(/\nbpr +\d\.\d{4}/);
    expect(r.stdout).toContain('2. cold-start items');
    expect(r.stdout).toMatch(/itemknn-image +\d\.\d{4}/);
    const json = JSON.parse(readFileSync(join(demoDir, 'results.json'), 'utf8'));
    expect(json.collaborative.results.map((m: { model: string }) => m.model)).toEqual(['popularity', 'bpr']);
    // Popularity cannot rank items nobody has seen; every content model can.
    const cold = json.coldStart.results as { label: string; metrics: Record<string, number> }[];
    expect(cold.find((m) => m.label === 'popularity')!.metrics['recall@20']).toBe(0);
    expect(cold.map((m) => m.label)).toEqual(
      expect.arrayContaining(['popularity', 'lightgcn', 'fusion-content', 'itemknn-text']),
    );
    for (const m of cold.filter((x) => x.label.startsWith('itemknn-')))
      expect(m.metrics['recall@20']).toBeGreaterThan(0);
  });
});
