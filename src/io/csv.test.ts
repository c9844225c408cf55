/**
 * CSV errors name the line a user must open: an unclosed quote is reported where the quote opens,
 * not at the end of the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { readCsv } from './csv.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(content: string): Promise<InvalidInputError> {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, content);
  try {
    for await (const _ of readCsv(file, () => {}));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('readCsv: unclosed quotes', () => {
  it('reports the line where the quote opens', async () => {
    const err = await errorOf('a,b\n1,2\n"3,4\n5,6\n');
    expect(err.line).toBe(3);
    expect(err.message).toContain(':3:');
    expect(err.message).toContain('closing double quote');
  });

  it('counts CRLF lines, empty lines and multi-line quoted fields before it', async () => {
    expect((await errorOf('a,b\r\n1,2\r\n"3,4\r\n5,6\r\n')).line).toBe(3);
    expect((await errorOf('a,b\n1,2\n\n\n"3,4\n5,6')).line).toBe(5);
    expect((await errorOf('a,b\n"1\nstill 1",2\n"3,4\n5,6\n')).line).toBe(4);
  });
});
