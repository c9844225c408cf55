#!/usr/bin/env node
// Launcher of the fusionrec CLI. An installed package runs its compiled CLI (dist/). A checkout runs
// the compiled CLI when `npm run build` is newer than every source file, and otherwise runs the
// TypeScript sources through tsx (a dev dependency), so that `node bin/fusionrec.mjs …` works right
// after `npm ci` and never runs a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

/** Newest modification time (ms) of the .ts files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const hasSource = existsSync(source);
const fresh = existsSync(built) && (!hasSource || statSync(built).mtimeMs >= newest(join(root, 'src')));
if (fresh) {
  await import(pathToFileURL(built).href);
} else if (hasSource) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('fusionrec: dist/ is missing or older than src/, and tsx is not installed; run `npm ci` or `npm run build`.\n');
    process.exit(1);
  }
  tsx.register();
  await import(pathToFileURL(source).href);
} else {
  process.stderr.write('fusionrec: dist/ is missing; this package is incomplete (reinstall it).\n');
  process.exit(1);
}
