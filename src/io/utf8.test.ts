/**
 * Strict UTF-8 on import: invalid bytes are an error at file:line in line files, CSV and JSON,
 * never a silent U+FFFD; valid multi-byte text split across stream chunks passes unchanged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { readCsv } from './csv.js';
import { readLines } from './lines.js';
import { decodeUtf8, utf8Checked } from './utf8.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-utf8-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bad = (before: string, after: string) =>
  Buffer.concat([Buffer.from(before), Buffer.from([0x43, 0x61, 0x66, 0xe9]), Buffer.from(after)]); // "Caf\xe9" (latin-1)

async function failure(run: () => Promise<unknown>): Promise<InvalidInputError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('strict UTF-8', () => {
  it('refuses invalid bytes in a line file, naming file and line', async () => {
    const file = join(dir, 'items.jsonl');
    await writeFile(file, bad('{"id":"a"}\n{"id":"b"}\n{"id":"', '"}\n{"id":"d"}\n'));
    const err = await failure(async () => {
      for await (const _ of readLines(file));
    });
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.message).toContain('UTF-8');
  });

  it('still reads latin-1 files when asked to', async () => {
    const file = join(dir, 'latin1.txt');
    await writeFile(file, bad('x\n', '\n'));
    const lines: string[] = [];
    for await (const l of readLines(file, { encoding: 'latin1' })) lines.push(l.text);
    expect(lines).toEqual(['x', 'Café']);
  });

  it('refuses invalid bytes in a CSV file at the right line', async () => {
    const file = join(dir, 'events.csv');
    await writeFile(file, bad('user,item\nu1,i1\nu2,', '\nu3,i3\n'));
    const err = await failure(async () => {
      for await (const _ of readCsv(file, () => {}));
    });
    expect(err.line).toBe(3);
    expect(err.file).toBe(file);
  });

  it('refuses invalid bytes in a JSON document at the right line', () => {
    let err: unknown;
    try {
      decodeUtf8(bad('{\n  "a": "', '"\n}'), 'x.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).line).toBe(2);
  });

  it('passes valid text unchanged, multi-byte characters split across chunks included', async () => {
    const text = 'é,ü\n日本語,😀\nlast line without end';
    const bytes = Buffer.from(text);
    const t = utf8Checked('mem');
    const out: Buffer[] = [];
    t.on('data', (b: Buffer) => out.push(b));
    const done = new Promise((r) => t.on('end', r));
    for (let i = 0; i < bytes.length; i += 3) t.write(bytes.subarray(i, i + 3));
    t.end();
    await done;
    expect(Buffer.concat(out).toString('utf8')).toBe(text);
  });
});
