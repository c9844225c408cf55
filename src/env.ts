/**
 * @module env
 * The one reader of `process.env` in fusionrec's sources. Settings are typed and validated in
 * config/ (file < FUSIONREC_* environment < command-line flags); this module only hands the
 * environment's FUSIONREC_* variables (and CI) to it, read at call time so tests can change them.
 */

/** The FUSIONREC_* variables of the environment, and CI. */
export function environment(): Readonly<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('FUSIONREC_') || k === 'CI') out[k] = v;
  }
  return out;
}
