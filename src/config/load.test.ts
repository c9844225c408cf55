import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidInputError } from '../errors.js';
import { loadSettings } from './load.js';
import { SETTINGS } from './settings.js';

const dirs: string[] = [];
function file(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'fr-config-'));
  dirs.push(dir);
  const f = join(dir, 'settings.json');
  writeFileSync(f, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return f;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadSettings', () => {
  it('defaults < file < environment < flags, and says where each value came from', () => {
    const f = file({ workers: 3, db: 'sqlite://file.db', sqliteDurability: 'full', progress: false });
    const r = loadSettings({
      file: f,
      env: { FUSIONREC_WORKERS: '5', FUSIONREC_DB: 'sqlite://env.db' },
      flags: { db: 'sqlite://flag.db' },
    });
    expect(r.settings.db).toBe('sqlite://flag.db');
    expect(r.source.db).toBe('flag');
    expect(r.settings.workers).toBe(5);
    expect(r.source.workers).toBe('env');
    expect(r.settings.sqliteDurability).toBe('full');
    expect(r.source.sqliteDurability).toBe('file');
    expect(r.settings.progress).toBe(false);
    expect(r.settings.modelDir).toBe('models');
    expect(r.source.modelDir).toBe('default');
    expect(r.file).toBe(f);
  });
  it('names the variable of a bad environment value', () => {
    expect(() => loadSettings({ env: { FUSIONREC_WORKERS: 'many' } })).toThrow(InvalidArgumentError);
    expect(() => loadSettings({ env: { FUSIONREC_WORKERS: 'many' } })).toThrow(
      /FUSIONREC_WORKERS must be a positive integer/,
    );
    expect(() => loadSettings({ env: { FUSIONREC_SQLITE_DURABILITY: 'off' } })).toThrow(/normal, full/);
    expect(() => loadSettings({ env: { FUSIONREC_ALLOW_REMOTE: 'perhaps' } })).toThrow(
      /FUSIONREC_ALLOW_REMOTE/,
    );
  });
  it('reads booleans the usual ways', () => {
    expect(loadSettings({ env: { FUSIONREC_ALLOW_REMOTE: '1' } }).settings.allowRemoteModels).toBe(true);
    expect(loadSettings({ env: { FUSIONREC_PROGRESS: '0' } }).settings.progress).toBe(false);
    expect(loadSettings({ env: { FUSIONREC_DEBUG: 'yes' } }).settings.debug).toBe(true);
  });
  it('names the file and key of a bad file value, and lists the valid keys for an unknown one', () => {
    const bad = file({ workers: 'two' });
    expect(() => loadSettings({ file: bad, env: {} })).toThrow(InvalidInputError);
    expect(() => loadSettings({ file: bad, env: {} })).toThrow(
      /field "workers": expected a positive integer/,
    );
    const unknown = file({ wrokers: 2 });
    expect(() => loadSettings({ file: unknown, env: {} })).toThrow(
      /"wrokers": unknown setting; valid: db, apiKey/,
    );
    expect(() => loadSettings({ file: file('{not json'), env: {} })).toThrow(/expected a JSON object/);
    expect(() => loadSettings({ file: '/nonexistent/settings.json', env: {} })).toThrow(/does not exist/);
  });
  it('takes the file from FUSIONREC_CONFIG', () => {
    const f = file({ modelDir: '/opt/models' });
    expect(loadSettings({ env: { FUSIONREC_CONFIG: f } }).settings.modelDir).toBe('/opt/models');
  });
  it('every setting has a distinct FUSIONREC_ variable', () => {
    const envs = SETTINGS.map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const e of envs) expect(e).toMatch(/^FUSIONREC_[A-Z_]+$/);
  });
});

describe('src/env.ts is the only reader of process.env', () => {
  it('no other source module names process.env (test helpers that spawn processes excepted)', () => {
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== 'testing') walk(p);
        } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'env.ts') {
          if (readFileSync(p, 'utf8').includes('process.env')) offenders.push(relative(root, p));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
