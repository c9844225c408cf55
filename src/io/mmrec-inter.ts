/**
 * @module io/mmrec-inter
 * MMRec / RecBole `.inter` files: tab-separated with a header naming the columns (`userID`,
 * `itemID`, optional `rating`, `timestamp`, `x_label`; RecBole's `name:type` suffixes accepted).
 */
import { basename, extname } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { LogBuilder } from '../data/log.js';
import { InvalidInputError } from '../errors.js';
import { applyRemap, DenseIds } from './dense-ids.js';
import { fail, parseNumberText } from './fields.js';
import { readLines } from './lines.js';
import { isPositive, parsePositiveRules } from './positive.js';

/** Options of {@link loadMmrecInter}. */
export interface MmrecInterOptions {
  /** Dataset name (default: the file name without extension). */
  name?: string;
  /** Positive rules applied to the rating column as events of type "rating" (default: every row). */
  positive?: string[];
  /** Make the item map at least this large (numeric ids only), e.g. the rows of a feature file. */
  nItems?: number;
  /** Make the user map at least this large (numeric ids only). */
  nUsers?: number;
}

const COLUMNS = ['userID', 'itemID', 'rating', 'timestamp', 'x_label'] as const;

/**
 * Loads an MMRec `.inter` file. Ids that are all non-negative integers map to themselves (user
 * "7" is index 7; see DenseIds), others follow first appearance. `x_label` (0 train, 1 valid,
 * 2 test) becomes `log.labels`. Any malformed row aborts the import with `file:line` and field.
 */
export async function loadMmrecInter(file: string, options: MmrecInterOptions = {}): Promise<Dataset> {
  const rules = parsePositiveRules(options.positive ?? []);
  const col: Record<string, number> = {};
  let width = 0;
  let builder: LogBuilder | undefined;
  const users = new DenseIds();
  const items = new DenseIds();
  for await (const { line, text } of readLines(file)) {
    if (builder === undefined) {
      const names = text.split('\t').map((c) => c.trim().replace(/:[A-Za-z_]+$/, ''));
      width = names.length;
      for (const c of COLUMNS) col[c] = names.indexOf(c);
      for (const c of ['userID', 'itemID']) {
        if (col[c]! < 0) {
          throw new InvalidInputError(
            { file, line, field: c },
            `expected a column "${c}" in the tab-separated header, got columns ${names.map((n) => `"${n}"`).join(', ')}`,
          );
        }
      }
      builder = new LogBuilder({ withLabels: col.x_label! >= 0, capacity: 1 << 16 });
      continue;
    }
    if (text.trim() === '') continue;
    const f = text.split('\t');
    if (f.length !== width) fail({ file, line, field: 'columns' }, `${width} tab-separated fields`, f.length);
    const at = (field: string) => ({ file, line, field });
    const rawUser = f[col.userID!]!.trim();
    const rawItem = f[col.itemID!]!.trim();
    if (rawUser === '') fail(at('userID'), 'a non-empty id', rawUser);
    if (rawItem === '') fail(at('itemID'), 'a non-empty id', rawItem);
    const rating = col.rating! >= 0 ? parseNumberText(f[col.rating!]!, at('rating'), 1) : 1;
    const ts = col.timestamp! >= 0 ? parseNumberText(f[col.timestamp!]!, at('timestamp'), 0) : 0;
    let label: number | undefined;
    if (col.x_label! >= 0) {
      const raw = f[col.x_label!]!.trim();
      if (raw !== '0' && raw !== '1' && raw !== '2')
        fail(at('x_label'), '0 (train), 1 (valid) or 2 (test)', raw);
      label = Number(raw);
    }
    const u = users.add(rawUser);
    const i = items.add(rawItem);
    if (isPositive(rules, 'rating', rating)) builder.push(u, i, rating, ts, label);
  }
  if (builder === undefined) {
    throw new InvalidInputError(
      { file, line: 1, field: 'header' },
      'expected a header line, got an empty file',
    );
  }
  const log = builder.build();
  const u = users.finish(options.nUsers);
  const it = items.finish(options.nItems);
  applyRemap(log.users, u.remap);
  applyRemap(log.items, it.remap);
  return {
    name: options.name ?? basename(file, extname(file)),
    source: file,
    users: u.map,
    items: it.map,
    log,
    modalities: [],
  };
}
