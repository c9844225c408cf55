import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../errors.js';
import { importCatalog } from '../serve/ingest/import-catalog.js';
import { openStore } from '../store/open.js';
import { loadCatalog } from './catalog.js';
import { openCatalogFolder, positiveRulesOf, readCatalogUsers } from './catalog-folder.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fr-catalog-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const events = '{"user":"u1","item":"a","type":"click"}\n{"user":"u2","item":"b","type":"purchase"}\n';

/** The error each consumer throws on the same folder. */
async function bothErrors(dir: string): Promise<[unknown, unknown]> {
  const store = await openStore('sqlite://:memory:');
  try {
    const a = await loadCatalog(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    const b = await importCatalog(store, dir, { encoders: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return [a, b];
  } finally {
    await store.close();
  }
}

describe('catalog folder', () => {
  it('finds the files and the config name', async () => {
    const dir = folder({
      'events.jsonl': events,
      'users.csv': 'id\nu1\n',
      'fusionrec.json': '{"name":"shop"}',
    });
    const f = await openCatalogFolder(dir);
    expect(f.name).toBe('shop');
    expect(f.eventsFile).toBe(join(dir, 'events.jsonl'));
    expect(f.usersFile).toBe(join(dir, 'users.csv'));
    expect(f.itemsFile).toBeUndefined();
  });
  it('refuses a missing folder and a file in both formats', async () => {
    await expect(openCatalogFolder('/nonexistent/x')).rejects.toThrow(NotFoundError);
    const dir = folder({ 'events.jsonl': events, 'events.csv': 'user,item\n' });
    await expect(openCatalogFolder(dir)).rejects.toThrow(/one of events.jsonl or events.csv, got both/);
  });
  it('positive rules: an override names the rule, the config names the file', async () => {
    const dir = folder({ 'events.jsonl': events, 'fusionrec.json': '{"positive":["rating>>4"]}' });
    const f = await openCatalogFolder(dir);
    expect(() => positiveRulesOf(f)).toThrow(InvalidInputError);
    expect(() => positiveRulesOf(f)).toThrow(/fusionrec\.json/);
    expect(() => positiveRulesOf(f, ['nope>>'])).toThrow(InvalidArgumentError);
    expect(positiveRulesOf(f, ['purchase'])).toEqual(['purchase']);
  });
  it('a repeated user id names both lines', async () => {
    const dir = folder({ 'users.csv': 'id\nu1\nu2\nu1\n' });
    await expect(readCatalogUsers(join(dir, 'users.csv'))).rejects.toThrow(/"u1" again \(first on line 2\)/);
  });
});

describe('the experiment loader and the serving import read a folder the same way', () => {
  it('the same error for a repeated item id, a repeated user id and a bad rule in fusionrec.json', async () => {
    const cases: Record<string, string>[] = [
      { 'items.jsonl': '{"id":"a"}\n{"id":"b"}\n{"id":"a"}\n', 'events.jsonl': events },
      { 'users.csv': 'id\nu1\nu1\n', 'events.jsonl': events },
      { 'fusionrec.json': '{"positive":[7]}', 'events.jsonl': events },
    ];
    for (const files of cases) {
      const [a, b] = await bothErrors(folder(files));
      expect(a).toBeInstanceOf(InvalidInputError);
      expect(b).toBeInstanceOf(InvalidInputError);
      expect((a as Error).message).toBe((b as Error).message);
    }
  });
  it('only the experiment loader needs events (a dataset without feedback has nothing to train on)', async () => {
    const [a, b] = await bothErrors(folder({ 'items.jsonl': '{"id":"a"}\n' }));
    expect(a).toBeInstanceOf(NotFoundError);
    expect(b).toBeUndefined();
  });
});
