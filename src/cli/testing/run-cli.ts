/**
 * @module cli/testing/run-cli
 * Runs the `fusionrec` command line from source in a child process (for the CLI tests): the real
 * entry point, the project root as working directory, CI mode (no progress bars).
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The project root. */
const ROOT = resolve(import.meta.dirname, '../../..');

/** `fusionrec ...args`, synchronously; `timeout` in ms (default: none). */
export function runCli(args: readonly string[], timeout?: number): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
    ...(timeout !== undefined ? { timeout } : {}),
  });
}
