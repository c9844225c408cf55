/**
 * A fresh checkout works without hand steps: the CLI launcher runs right after `npm ci` (from the
 * sources when dist/ is missing or older than them, the build when it is fresh), `npm test` sets
 * the machine up first (pretest: Chromium, PostgreSQL, Redis), no npm config warnings, and
 * everything the demo writes is ignored by git.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-first-run-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/fusionrec.mjs'), join(dir, 'bin/fusionrec.mjs'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'src'), join(dir, 'src'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const launch = (...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'bin/fusionrec.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
    timeout: 60_000,
  });

function fakeBuild(text: string, mtimeSeconds: number): void {
  mkdirSync(join(dir, 'dist/cli'), { recursive: true });
  const main = join(dir, 'dist/cli/main.js');
  writeFileSync(main, `process.stdout.write(${JSON.stringify(text)});\n`);
  utimesSync(main, mtimeSeconds, mtimeSeconds);
}

describe('first run', () => {
  it('the launcher runs the CLI from the sources when dist/ is missing', () => {
    const r = launch('--help');
    expect(r.stderr).not.toContain('dist/ is missing');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: fusionrec/);
  });

  it('never runs a build older than the sources, and runs a fresh one', () => {
    fakeBuild('STALE BUILD', 946_684_800); // year 2000
    const stale = launch('--help');
    expect(stale.stdout).not.toContain('STALE BUILD');
    expect(stale.stdout).toMatch(/Usage: fusionrec/);
    fakeBuild('FRESH BUILD', Date.now() / 1000 + 3600);
    expect(launch('--help').stdout).toBe('FRESH BUILD');
  });

  it('npm test prepares the machine first, and the setup says what is missing when it may not install', () => {
    const pkg = JSON.parse(spawnSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }).stdout);
    expect(pkg.scripts.pretest).toBe('node scripts/setup-test.mjs');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/setup-test.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, FUSIONREC_CHROMIUM: join(dir, 'no-such-browser'), FUSIONREC_NO_INSTALL: '1' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no-such-browser');
    const ok = spawnSync(process.execPath, [join(ROOT, 'scripts/setup-test.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, FUSIONREC_CHROMIUM: process.execPath, FUSIONREC_NO_INSTALL: '1' },
    });
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('npm reads the project config without warnings', () => {
    const r = spawnSync('npm', ['config', 'list'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/Unknown project config/);
  });

  it('git ignores everything the demo writes', () => {
    const written = [
      'demo-data/items.jsonl',
      'demo-data.db',
      'demo-data.db-wal',
      'demo-data.db-shm',
      'demo-data/.cache/features.sqlite',
      'dist/web/index.html',
    ];
    const r = spawnSync('git', ['check-ignore', '--no-index', ...written], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n').sort()).toEqual([...written].sort());
  });
});
