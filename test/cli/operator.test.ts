/**
 * Operator traps (issue 13) on the real command line: a mistyped database path, a failed import
 * that must leave nothing behind, import failures named one by one and users counted from the
 * events, one `--params` syntax with the user's own value in errors, `inspect` showing the
 * catalog's modalities, and the dashboard found from any working directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { generateDemo } from '../../src/demo/generate.js';
import { ensureWebBuild } from '../e2e/web-build.js';

const ROOT = resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => runCli(args, 120_000);

let dir = '';
let catalog = '';
let db = '';
let users = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-operator-'));
  catalog = join(dir, 'catalog');
  await generateDemo(catalog, { items: 10, users: 12, seed: 2 });
  rmSync(join(catalog, 'users.jsonl')); // users known only from the events
  rmSync(join(catalog, 'images', 'item-0002.png')); // a missing picture
  const events = readFileSync(join(catalog, 'events.jsonl'), 'utf8').trim().split('\n');
  users = new Set(events.map((l) => (JSON.parse(l) as { user: string }).user)).size;
  db = join(dir, 'shop.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fusionrec import', () => {
  it('names each failed item with its modality and reason, and counts the users the events name', () => {
    const r = cli('import', catalog, '--db', `sqlite://${db}`, '--no-cache', '--workers', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(users).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`imported 10 items, ${users} users, \\d+ feedback events`));
    expect(r.stdout).toContain('1 failed to encode:');
    expect(r.stdout).toContain(
      `item item-0002, image: file not found: ${join(catalog, 'images', 'item-0002.png')}`,
    );
  });

  it('leaves no database behind when it fails', () => {
    const fresh = join(dir, 'fresh.db');
    const r = cli('import', join(dir, 'no-such-folder'), '--db', `sqlite://${fresh}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/catalog folder .*no-such-folder does not exist/);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(dir, 'features.sqlite'))).toBe(false);
  });

  it('refuses --workers 0 (a positive integer is expected)', () => {
    const r = cli('import', catalog, '--db', `sqlite://${join(dir, 'w.db')}`, '--workers', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workers expects a positive integer (1 or more), got "0"');
    expect(existsSync(join(dir, 'w.db'))).toBe(false);
  });
});

describe('a mistyped database path', () => {
  it('serve refuses a missing file, naming the path and --create, and creates nothing', () => {
    const typo = join(dir, 'shpo.db');
    const r = cli('serve', '--db', `sqlite://${typo}`, '--port', '0', '--no-web');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no database at ${typo}`);
    expect(r.stderr).toContain('--create');
    expect(existsSync(typo)).toBe(false);
  });

  it('train refuses it too', () => {
    const r = cli('train', '--db', `sqlite://${join(dir, 'nope.db')}`, '--model', 'bpr');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no database at');
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
  });
});

describe('--params', () => {
  it('train takes JSON and shows the value the user gave in errors', () => {
    const r = cli('train', '--db', `sqlite://${db}`, '--model', 'bpr', '--params', '{"dim":"big"}', '-q');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bpr: parameter "dim" must be an integer >= 1, got "big"');
  });

  it('train takes k=v with commas inside values (FREEDOM modalities and weights)', () => {
    const r = cli(
      'train',
      '--db',
      `sqlite://${db}`,
      '--model',
      'freedom',
      '--params',
      'dim=4,threads=1,modalities=text,image',
      '--params',
      'weights="text=0.9,image=0.1"',
      '--epochs',
      '1',
      '--no-activate',
      '-q',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/freedom version 1:/);
  });

  it('experiment takes the same k=v shorthand', () => {
    const r = cli(
      'experiment',
      '-d',
      `catalog:${catalog}`,
      '-m',
      'bpr',
      '-p',
      'dim=big',
      '--max-epochs',
      '1',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('parameter "dim" must be an integer >= 1, got "big"');
  });
});

describe('inspect', () => {
  it('prints the modalities the catalog items carry', () => {
    const r = cli('inspect', `catalog:${catalog}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/modality text +10\/10 items/);
    expect(r.stdout).toMatch(/modality image +10\/10 items/);
    expect(r.stdout).toMatch(/modality audio +10\/10 items/);
  });
});

describe('the dashboard', () => {
  it('is served at / when the server starts in another directory', async () => {
    await ensureWebBuild();
    const proc = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'fusionrec.mjs'), 'serve', '--db', `sqlite://${db}`, '--port', '0'],
      { cwd: dir, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      const url = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 60_000);
        const check = (d: Buffer) => {
          out += d;
          const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res(m[1]!);
          }
        };
        proc.stdout!.on('data', check);
        proc.stderr!.on('data', (d) => (out += d));
        proc.once('exit', (code) => rej(new Error(`server exited with ${code}:\n${out}`)));
      });
      const index = await fetch(`${url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toContain('text/html');
    } finally {
      await new Promise<void>((res) => {
        if (proc.exitCode !== null) return res();
        proc.once('exit', () => res());
        proc.kill('SIGTERM');
      });
    }
  });
});
