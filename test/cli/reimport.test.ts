/**
 * Re-import on the real command line (issue 12): `fusionrec import` run twice stores each event
 * once (items and users upserted, events already stored skipped), the summary says how many were
 * new and how many already there, and `--replace` swaps the stored feedback for the file's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/testing/run-cli.js';
import { generateDemo } from '../../src/demo/generate.js';
import { openStore } from '../../src/store/open.js';

const cli = (...args: string[]) => runCli(args, 120_000);

let dir = '';
let catalog = '';
let db = '';
let lines: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-reimport-'));
  catalog = join(dir, 'catalog');
  await generateDemo(catalog, { items: 20, users: 15, seed: 3 });
  lines = readFileSync(join(catalog, 'events.jsonl'), 'utf8').trim().split('\n');
  db = `sqlite://${join(dir, 'shop.db')}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function counts(): Promise<{ items: number; users: number; feedback: number }> {
  const store = await openStore(db);
  try {
    return await store.counts();
  } finally {
    await store.close();
  }
}

describe('fusionrec import twice', () => {
  it('stores each event once and says how many were new and how many already there', async () => {
    const n = lines.length;
    const first = cli('import', catalog, '--db', db, '--no-encode');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${n} feedback events`);
    expect(first.stdout).toContain(`feedback: ${n} new, 0 already there`);
    const once = await counts();
    expect(once.feedback).toBe(n);

    const second = cli('import', catalog, '--db', db, '--no-encode');
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`feedback: 0 new, ${n} already there`);
    expect(await counts()).toEqual(once);

    // a catalog that grew by two events adds just those two
    const extra = lines.slice(0, 2).map((l) => {
      const e = JSON.parse(l) as { timestamp?: number };
      return JSON.stringify({ ...e, timestamp: (e.timestamp ?? 0) + 1 });
    });
    writeFileSync(join(catalog, 'events.jsonl'), `${[...lines, ...extra].join('\n')}\n`);
    const grown = cli('import', catalog, '--db', db, '--no-encode');
    expect(grown.status).toBe(0);
    expect(grown.stdout).toContain(`feedback: 2 new, ${n} already there`);
    expect((await counts()).feedback).toBe(n + 2);
  });

  it('--replace swaps the stored feedback for the file’s', async () => {
    const before = (await counts()).feedback;
    const kept = lines.slice(0, 10);
    writeFileSync(join(catalog, 'events.jsonl'), `${kept.join('\n')}\n`);
    const r = cli('import', catalog, '--db', db, '--no-encode', '--replace');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`feedback: 10 new, 0 already there, ${before} stored events replaced`);
    expect((await counts()).feedback).toBe(10);
  });
});
