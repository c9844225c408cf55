/**
 * @module test/e2e/web-build
 * Makes sure dist/web (the built dashboard) exists and is newer than every file under web/;
 * otherwise runs `vite build --config web/vite.config.ts` in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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

/**
 * Builds the dashboard when needed. Test files run in parallel processes, so the build holds a
 * lock directory (mkdir is atomic): a second caller waits for the first build instead of running
 * vite into the same folder at the same time.
 */
export async function ensureWebBuild(): Promise<string> {
  const index = join(WEB_DIST, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'web'));
  if (fresh()) return WEB_DIST;
  const lock = join(ROOT, 'dist', '.web-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock older than the build's own timeout was left by a killed run
      if (waited > 150_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      if (fresh()) return WEB_DIST;
    }
  }
  try {
    if (fresh()) return WEB_DIST;
    await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(index)) throw new Error(`vite build did not write ${index}`);
  return WEB_DIST;
}

async function build(): Promise<void> {
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
}
