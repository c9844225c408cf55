/**
 * @module test/scale/processes
 * Real processes for the scale-out tests: `fusionrec serve` (on free ports) and `fusionrec worker`
 * children (from source, through tsx), a private redis-server that a test may stop and restart,
 * and a PostgreSQL schema of its own that is dropped afterwards. Nothing here is mocked: the tests talk to these over TCP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createPool } from '../../src/store/postgres/pool.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const PG_BASE = process.env.FUSIONREC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** A PostgreSQL schema of this test's own: its store URL, and drop() to remove it. */
export async function pgSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `fr_scale_${randomBytes(5).toString('hex')}`;
  return {
    schema,
    url: `${PG_BASE}?schema=${schema}`,
    async drop() {
      const pool = createPool({ connectionString: PG_BASE, max: 1 });
      try {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

/** A redis-server of the test's own on a free port (nothing saved to disk). */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const end = Date.now() + 10_000;
    for (;;) {
      if (await answers(this.port)) return;
      if (Date.now() > end) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async down(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.once('exit', () => res());
      p.kill('SIGKILL');
    });
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** A `fusionrec …` child process (from source). */
export function cliProcess(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A running `fusionrec serve` child. */
export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `fusionrec serve` with `args` on a free port; resolves once it says where it listens. */
export async function startServerProcess(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const proc = cliProcess(['serve', '--port', '0', '--no-web', ...args]);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return res();
        proc.once('exit', () => res());
        proc.kill(signal);
      }),
  };
}

/** A running `fusionrec worker` child. */
export interface WorkerProcess {
  proc: ChildProcess;
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `fusionrec worker` with `args`; resolves once it says it is running. */
export async function startWorkerProcess(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<WorkerProcess> {
  const proc = cliProcess(['worker', ...args]);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`worker did not start:\n${out}`)), timeoutMs);
    proc.stdout!.on('data', () => {
      if (/fusionrec worker \S+ on .*: running/.test(out)) {
        clearTimeout(timer);
        res();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`worker exited with ${code}:\n${out}`));
    });
  });
  return {
    proc,
    output: () => out,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
