import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';

const cli = (...args: string[]) => runCli(args, 120_000);

const dir = mkdtempSync(join(tmpdir(), 'fusionrec-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serving commands', () => {
  it('demo --no-serve imports, trains, serves and checks its curl examples; train, ab and import-report', () => {
    const db = `sqlite://${join(dir, 'demo.db')}`;
    const demo = cli(
      'demo',
      '--dir',
      join(dir, 'demo'),
      '--items',
      '30',
      '--users',
      '40',
      '--no-tables',
      '--no-serve',
      '--db',
      db,
      '--serve-params',
      'dim=8,threads=1',
      '--max-epochs',
      '5',
    );
    expect(demo.stderr).toContain('API is open (no key configured)');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/imported 30 items, 40 users, \d+ events/);
    expect(demo.stdout).toMatch(/trained freedom \(version 1\)/);
    expect(demo.stdout).toContain("curl -s 'http://127.0.0.1:");
    expect(demo.stdout).toContain('/v1/recommend/user-0001?n=5&explain=true');
    expect(demo.stdout).toContain('11 example requests checked, server stopped');

    const train = cli('train', '--db', db, '--model', 'bpr', '--params', 'dim=8', '--epochs', '3', '--quiet');
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/bpr version 2 \(active\)/);
    expect(train.stdout).toMatch(/recall +\d\.\d{4}/);

    const create = cli('ab', 'create', '--db', db, '--name', 'exp', '--arm', 'a=1:0.5', '--arm', 'b=2:0.5');
    expect(create.status).toBe(0);
    const report = cli('ab', 'report', '--db', db, '--experiment', 'exp');
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/arm +version +share +impressions +clicks +CTR/);
    expect(report.stdout).toMatch(/\na +1 +0\.50 +0 +0/);
    expect(report.stdout).toContain('insufficient data');

    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify({ results: [{ model: 'bpr' }] }));
    const rep = cli('import-report', '--db', db, '--kind', 'experiment', '--title', 'run 1', file);
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/stored report .* \(experiment: run 1\)/);
  });
});
