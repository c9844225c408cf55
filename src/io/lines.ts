/**
 * @module io/lines
 * Streaming line readers for importers: every line comes with its 1-based number, so that an
 * error can name `file:line`. Handles CRLF line ends, a UTF-8 byte-order mark and latin-1 files.
 * UTF-8 files are read strictly: an invalid byte sequence is an InvalidInputError at `file:line`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { NotFoundError } from '../errors.js';
import { utf8Checked } from './utf8.js';

/** Text encodings the line reader understands. */
export type LineEncoding = 'utf8' | 'latin1';

/** One line of a file, without its line end. */
export interface NumberedLine {
  /** 1-based line number. */
  line: number;
  text: string;
}

/**
 * Throws NotFoundError naming `file` (and `what`, e.g. "events file") unless it is a regular file.
 */
export async function requireFile(file: string, what = 'file'): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new NotFoundError(`${what} ${file} is not a regular file`);
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    throw new NotFoundError(`${what} ${file} does not exist`, { cause: err });
  }
}

/** Whether `file` exists and is a regular file. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Iterates over the lines of `file` with their 1-based numbers (streaming, constant memory).
 * `\r\n` and `\n` both end a line; a leading BOM is dropped. Throws NotFoundError when the file
 * is missing.
 */
export async function* readLines(
  file: string,
  options: { encoding?: LineEncoding } = {},
): AsyncGenerator<NumberedLine> {
  await requireFile(file);
  const latin1 = options.encoding === 'latin1';
  const bytes = createReadStream(file, latin1 ? { encoding: 'latin1' } : {});
  const input = latin1 ? bytes : pipeline(bytes, utf8Checked(file), () => {});
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      let text = raw;
      if (line === 1) {
        if (text.startsWith('\uFEFF')) text = text.slice(1);
        else if (text.startsWith('\u00EF\u00BB\u00BF')) text = text.slice(3); // UTF-8 BOM read as latin-1
      }
      yield { line, text };
    }
  } finally {
    rl.close();
    input.destroy();
    bytes.destroy();
  }
}
