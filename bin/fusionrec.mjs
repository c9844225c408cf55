#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('fusionrec: dist/ is missing; run `npm run build` first.\n');
  process.exit(1);
}
await import(main);
