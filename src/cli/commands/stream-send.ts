/**
 * @module cli/commands/stream-send
 * `fusionrec stream-send --cache redis://host:port[?prefix=name:] --file events.jsonl [--maxlen n]`:
 * adds events to the ingestion stream `<prefix>events` that `fusionrec worker --stream` applies.
 * One JSON object a line: `{"id": "e-1", "kind": "feedback", "data": {"user": "u1", "item": "i1",
 * "type": "click"}}` (kinds: feedback, item, item-delete, user-delete; see serve/stream/events).
 * Every line is checked first; nothing is sent when one is wrong. `--file -` reads stdin.
 */

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { settings } from '../../config/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { type NumberedLine, readLines } from '../../io/lines.js';
import { sendEvents } from '../../serve/stream/send.js';
import { positiveInt } from '../int-flags.js';

async function* stdinLines(): AsyncGenerator<NumberedLine> {
  let line = 0;
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    yield { line: ++line, text };
  }
}

export function registerStreamSend(program: Command): void {
  program
    .command('stream-send')
    .description('add events (JSON lines {id, kind, data}) to the ingestion stream read by `worker --stream`')
    .option(
      '--cache <url>',
      'the Redis the workers read: redis://host:port[?prefix=name:] (default $FUSIONREC_CACHE)',
    )
    .requiredOption('--file <path>', 'JSON-lines file of events (- for stdin)')
    .option('--maxlen <n>', 'trim the stream to about this many entries')
    .action(async (flags: { cache?: string; file: string; maxlen?: string }) => {
      const cache = flags.cache ?? settings().bus;
      if (!cache)
        throw new InvalidArgumentError('--cache: give the Redis URL the workers read (redis://host:port)');
      const lines = flags.file === '-' ? stdinLines() : readLines(flags.file);
      const r = await sendEvents(cache, lines, flags.file === '-' ? 'stdin' : flags.file, {
        ...(flags.maxlen === undefined ? {} : { maxLen: positiveInt('maxlen', flags.maxlen)! }),
      });
      process.stdout.write(`sent ${r.sent} event${r.sent === 1 ? '' : 's'} to ${r.stream}\n`);
    });
}
