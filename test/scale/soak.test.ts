/**
 * The soak bench (bench/soak.ts) in short (issue 12): a `fusionrec serve` child over 10,000 items
 * under the mixed open-loop load (80% recommend, 15% feedback, 2.5% item writes, 2.5% text
 * searches) at 300 requests/s for 60 s. Passes with no error (every answer 200, no socket error)
 * and a server RSS that does not keep growing: the least-squares slope over the samples after the
 * first 20 s stays under RSS_SLOPE_MB_PER_MIN, and the open descriptors (which follow the number of
 * client connections during the load) do not trend up and are back to their count before the load
 * once its sockets are closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './processes.js';
import { buildSoakDb, mixedLoad, processStats, slope, warmUp } from './soak-load.js';

/**
 * Bound on the RSS slope (MB per minute). A leak of 1 KB per request at 300 requests/s grows
 * 17.6 MB/min; two runs measured -31 and -64 MB/min (the heap settling after warm-up).
 */
const RSS_SLOPE_MB_PER_MIN = 20;
const SECONDS = Number(process.env.FUSIONREC_SOAK_SECONDS ?? 60);
const shape = { items: 10_000, users: 2_000 };
const dir = mkdtempSync(join(tmpdir(), 'fusionrec-soak-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('soak', () => {
  it(`serves ${SECONDS} s of mixed load at 300/s with no error and no memory growth`, async () => {
    const file = join(dir, 'soak.db');
    await buildSoakDb(file, shape);
    const server = await startServerProcess(['--db', `sqlite://${file}`]);
    try {
      await warmUp(server.url);
      const before = processStats(server.proc.pid!);
      const r = await mixedLoad(server.url, server.proc.pid!, {
        rate: 300,
        seconds: SECONDS,
        shape,
        windowSeconds: 10,
        sampleSeconds: 2,
      });
      const late = r.samples.filter((s) => s.t >= 20);
      const rssSlope = slope(
        late.map((s) => s.t / 60),
        late.map((s) => s.rssMb),
      );
      const fdSlope = slope(
        late.map((s) => s.t / 60),
        late.map((s) => s.fds),
      );
      const summary =
        `${r.requests} requests, ${r.errors} errors, p99 ${r.p99.toFixed(1)} ms, ` +
        `RSS ${late[0]?.rssMb.toFixed(0)}->${late[late.length - 1]?.rssMb.toFixed(0)} MB ` +
        `(slope ${rssSlope.toFixed(1)} MB/min), fds slope ${fdSlope.toFixed(2)}/min`;
      // the load's sockets are closed: the descriptors are back where they were before it
      await new Promise((res) => setTimeout(res, 1000));
      const after = processStats(server.proc.pid!);
      if (process.env.FUSIONREC_SHOW_SOAK) process.stderr.write(`soak: ${summary}\n`);
      expect(r.errors, `${summary}\n${r.errorSamples.join('\n')}`).toBe(0);
      expect(r.requests).toBe(300 * SECONDS);
      expect(rssSlope, summary).toBeLessThan(RSS_SLOPE_MB_PER_MIN);
      expect(fdSlope, summary).toBeLessThan(5);
      expect(after.fds, `descriptors before the load ${before.fds}, after ${after.fds}`).toBeLessThanOrEqual(
        before.fds + 2,
      );
    } finally {
      await server.kill('SIGTERM');
    }
  }, 240_000);
});
