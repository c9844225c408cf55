/**
 * @module io/utf8
 * Strict UTF-8 for imports: invalid byte sequences are an error naming the file and line, never a
 * silent U+FFFD. {@link utf8Checked} checks a byte stream on its way to a parser (line by line as
 * the bytes pass, with TextDecoder's `fatal` mode); {@link decodeUtf8} decodes a whole buffer.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { InvalidInputError } from '../errors.js';

const NL = 0x0a;

function invalid(file: string, line: number): InvalidInputError {
  return new InvalidInputError(
    { file, line },
    'expected UTF-8 text, got an invalid byte sequence (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)',
  );
}

/** 1-based line of the first line of `bytes` (which starts at line `first`) that is not UTF-8. */
function badLine(decoder: TextDecoder, bytes: Uint8Array, first: number): number {
  let line = first;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(NL, start);
    const stop = end < 0 ? bytes.length : end;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      return line;
    }
    if (end < 0) return line;
    start = end + 1;
    line++;
  }
}

/** Decodes `bytes` as UTF-8, throwing InvalidInputError at `file:line` on the first bad sequence. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes);
  } catch {
    throw invalid(file, badLine(decoder, bytes, 1));
  }
}

/**
 * A pass-through stream that fails with InvalidInputError at `file:line` when the bytes are not
 * UTF-8. Lines are checked whole (a line's bytes are held until its line end arrives, then pass on
 * unchanged), so the line number is exact.
 */
export function utf8Checked(file: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array = new Uint8Array(0);
  let line = 1;
  const check = (bytes: Uint8Array): void => {
    try {
      decoder.decode(bytes);
    } catch {
      throw invalid(file, badLine(decoder, bytes, line));
    }
    for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, i + 1)) line++;
  };
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const last = data.lastIndexOf(NL);
        if (last < 0) {
          carry = data;
          done();
          return;
        }
        const whole = data.subarray(0, last + 1);
        check(whole);
        carry = data.subarray(last + 1);
        done(null, whole);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        check(carry);
        done(null, carry.length > 0 ? carry : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
