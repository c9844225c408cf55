/**
 * @module test/e2e/web-build
 * Makes sure dist/web (the built dashboard) exists and is newer than every file under web/;
 * otherwise runs `vite build --config web/vite.config.ts` in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const WEB_DIST = join(ROOT, 'dist', 'web');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function ensureWebBuild(): Promise<string> {
  const index = join(WEB_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'web'))) return WEB_DIST;
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      timeout: 120_000,
    },
  );
  if (!existsSync(index)) throw new Error(`vite build did not write ${index}`);
  return WEB_DIST;
}
