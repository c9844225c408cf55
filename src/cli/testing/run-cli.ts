/**
 * @module cli/testing/run-cli
 * Runs the `fusionrec` command line from source in a child process (for the CLI tests): the real
 * entry point, the project root as working directory, CI mode (no progress bars).
 */
import { execFile, type SpawnSyncReturns, spawnSync } from 'node:child_process';
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

/**
 * `fusionrec ...args` without blocking this process's event loop (for tests that run a server in
 * the same process: a blocked loop lets the server's keep-alive timers fire against requests in
 * flight). Resolves with the exit status and output; never rejects on a non-zero exit.
 */
export function runCliAsync(
  args: readonly string[],
  timeout?: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CI: '1' },
        maxBuffer: 64 * 1024 * 1024,
        ...(timeout !== undefined ? { timeout } : {}),
      },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        res({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}
