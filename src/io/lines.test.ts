import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { readCsv } from './csv.js';
import { readLines } from './lines.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(file: string, encoding?: 'utf8' | 'latin1') {
  const out: { line: number; text: string }[] = [];
  for await (const l of readLines(file, encoding ? { encoding } : {})) out.push(l);
  return out;
}

describe('readLines', () => {
  it('numbers lines from 1, strips CRLF and a BOM', async () => {
    const file = join(dir, 'crlf.txt');
    await writeFile(file, '\uFEFFfirst\r\nsecond\r\n\r\nfourth');
    expect(await collect(file)).toEqual([
      { line: 1, text: 'first' },
      { line: 2, text: 'second' },
      { line: 3, text: '' },
      { line: 4, text: 'fourth' },
    ]);
  });

  it('decodes latin-1', async () => {
    const file = join(dir, 'latin1.txt');
    await writeFile(file, Buffer.from('1|Caf\xe9\n2|Na\xefve\n', 'latin1'));
    expect((await collect(file, 'latin1')).map((l) => l.text)).toEqual(['1|Café', '2|Naïve']);
  });

  it('throws NotFoundError naming a missing file', async () => {
    const file = join(dir, 'nope.txt');
    await expect(collect(file)).rejects.toThrow(NotFoundError);
    await expect(collect(file)).rejects.toThrow(file);
  });
});

describe('readCsv', () => {
  it('yields records with the line where they end, handling quotes and a BOM', async () => {
    const file = join(dir, 'a.csv');
    await writeFile(file, '\uFEFFa,b\r\n1,"x, y"\r\n\r\n2,"multi\nline"\n3,z\n');
    let columns: string[] = [];
    const rows: { line: number; values: string[] }[] = [];
    for await (const r of readCsv(file, (h) => (columns = h.columns))) rows.push(r);
    expect(columns).toEqual(['a', 'b']);
    expect(rows).toEqual([
      { line: 2, values: ['1', 'x, y'] },
      { line: 5, values: ['2', 'multi\nline'] },
      { line: 6, values: ['3', 'z'] },
    ]);
  });

  it('rejects a row of the wrong width and an unclosed quote with file:line', async () => {
    const wide = join(dir, 'wide.csv');
    await writeFile(wide, 'a,b\n1,2\n1,2,3\n');
    const run = async (f: string) => {
      for await (const _ of readCsv(f, () => {})) {
      }
    };
    await expect(run(wide)).rejects.toThrow(`${wide}:3: field "columns"`);
    const open = join(dir, 'open.csv');
    await writeFile(open, 'a,b\n1,2\n3,"4\n');
    await expect(run(open)).rejects.toThrow(`${open}:3: field "csv"`);
  });
});
