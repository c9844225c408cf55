/**
 * @module cli/commands/config
 * `fusionrec config [--json]`: prints every setting in force, its value (secrets masked) and
 * where it came from (default, file, env, flag), after validating all of them.
 */
import type { Command } from 'commander';
import { loadedSettings } from '../../config/runtime.js';
import { SETTINGS } from '../../config/settings.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description(
      'print the settings in force (file < FUSIONREC_* environment < flags) and where each came from',
    )
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) => {
      const loaded = loadedSettings();
      const rows = SETTINGS.map((spec) => {
        const v = loaded.settings[spec.key];
        const shown = v === undefined ? '' : spec.secret ? '***' : String(v);
        return { key: spec.key, value: shown, source: loaded.source[spec.key], env: spec.env, doc: spec.doc };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ file: loaded.file ?? null, settings: rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`settings file: ${loaded.file ?? '(none)'}\n\n`);
      const table = [
        ['setting', 'value', 'from', 'environment', 'meaning'],
        ...rows.map((r) => [r.key, r.value === '' ? '-' : r.value, r.source, r.env, r.doc]),
      ];
      const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
      for (const [k, r] of table.entries()) {
        process.stdout.write(
          `${r
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join('  ')
            .trimEnd()}\n`,
        );
        if (k === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
      }
    });
}
