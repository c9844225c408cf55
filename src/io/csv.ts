/**
 * @module io/csv
 * Streaming CSV reading on top of csv-parse: the header row, then each record with the file line
 * where it ends. Syntax errors and rows of the wrong width become InvalidInputError at `file:line`
 * (an unclosed quote at the line where the quote opens); bytes that are not UTF-8 too.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { FusionrecError, InvalidInputError } from '../errors.js';
import { requireFile } from './lines.js';
import { utf8Checked } from './utf8.js';

/** One CSV data record. */
export interface CsvRecord {
  /** 1-based line number where the record ends (the line itself for one-line records). */
  line: number;
  /** Field values in header order. */
  values: string[];
}

/** Options of {@link readCsv}. */
export interface CsvOptions {
  /** Field separator; `,` by default. */
  delimiter?: string;
  /** Recognise double quotes (default true). */
  quote?: boolean;
}

/** A parsed CSV header with a column lookup. */
export interface CsvHeader {
  columns: string[];
  /** Column position of `name`, or -1. */
  indexOf(name: string): number;
}

/**
 * Reads `file` as CSV with a header row. Calls `onHeader` once with the header (so the caller can
 * check the columns at line 1), then yields each data record. Empty lines are skipped.
 */
export async function* readCsv(
  file: string,
  onHeader: (header: CsvHeader) => void,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  await requireFile(file);
  const input = createReadStream(file);
  const checked = utf8Checked(file);
  const parser = pipeline(
    input,
    checked,
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      delimiter: options.delimiter ?? ',',
      quote: options.quote === false ? false : '"',
    }),
    () => {}, // errors reach the loop below through the parser
  );
  let width = -1;
  try {
    for await (const chunk of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = chunk;
      if (width < 0) {
        const columns = record.map((c) => c.trim());
        width = columns.length;
        onHeader({ columns, indexOf: (name) => columns.indexOf(name) });
        continue;
      }
      if (record.length !== width) {
        throw new InvalidInputError(
          { file, line: info.lines, field: 'columns' },
          `expected ${width} fields as in the header, got ${record.length}`,
        );
      }
      yield { line: info.lines, values: record };
    }
    if (width < 0) {
      throw new InvalidInputError(
        { file, line: 1, field: 'header' },
        'expected a header row, got an empty file',
      );
    }
  } catch (err) {
    if (err instanceof FusionrecError) throw err;
    const e = err as { lines?: number; code?: string; message?: string; bytes?: number };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED' && e.bytes !== undefined) {
      throw new InvalidInputError(
        { file, line: await lineAfter(file, e.bytes), field: 'csv' },
        'expected a closing double quote for the quoted field opened on this line, got the end of the file',
        { cause: err },
      );
    }
    throw new InvalidInputError(
      { file, line: e.lines ?? 0, field: 'csv' },
      `expected valid CSV, got ${e.code ?? 'an error'} (${e.message ?? String(err)})`,
      { cause: err },
    );
  } finally {
    input.destroy();
    checked.destroy();
  }
}

/**
 * The 1-based line of the first non-empty line at or after byte `offset` (where csv-parse's last
 * complete record ended): the line where an unclosed quote's record starts.
 */
async function lineAfter(file: string, offset: number): Promise<number> {
  let line = 1;
  let pos = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++, pos++) {
      const c = chunk[i]!;
      if (pos >= offset && c !== 0x0a && c !== 0x0d) return line;
      if (c === 0x0a) line++;
    }
  }
  return line;
}

/** Throws InvalidInputError at `file:1` naming the first of `names` missing from the header. */
export function requireColumns(header: CsvHeader, file: string, names: readonly string[]): void {
  for (const name of names) {
    if (header.indexOf(name) < 0) {
      throw new InvalidInputError(
        { file, line: 1, field: name },
        `expected a column "${name}" in the header, got columns ${header.columns.map((c) => `"${c}"`).join(', ')}`,
      );
    }
  }
}
