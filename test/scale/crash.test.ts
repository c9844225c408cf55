/**
 * Crash safety by counting (issue 12): a real `fusionrec serve` on a SQLite file takes feedback
 * from a client as fast as it can (batches of 10 rows, several in flight; each acknowledged batch
 * counted), is killed with SIGKILL mid-stream, and the reopened store must hold every
 * acknowledged event, and every batch whole or not at all (one transaction per batch).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { item } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { startServerProcess } from './processes.js';

const BATCH = 10;
const IN_FLIGHT = 8;
let dir = '';
let url = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-crash-'));
  url = `sqlite://${join(dir, 'shop.db')}`;
  const store = await openStore(url);
  await store.upsertItems(Array.from({ length: BATCH }, (_, k) => item(`i${k}`)));
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL mid-stream', () => {
  it('loses no acknowledged feedback and leaves no partial batch', async () => {
    const server = await startServerProcess(['--db', url]);
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const sender = async () => {
      while (!killed) {
        const k = next++;
        const rows = Array.from({ length: BATCH }, (_, j) => ({
          user: `b${k}`,
          item: `i${j}`,
          type: 'click',
        }));
        try {
          const r = await fetch(`${server.url}/v1/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(rows),
          });
          await r.arrayBuffer();
          if (r.status === 200) acked.add(k);
          else if (!killed) throw new Error(`feedback answered ${r.status}`);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const senders = Array.from({ length: IN_FLIGHT }, sender);
    const t0 = Date.now();
    while (acked.size < 400 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await server.kill('SIGKILL');
    await Promise.all(senders);
    expect(server.proc.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(100);

    const store = await openStore(url);
    try {
      const perBatch = new Map<string, number>();
      for (const f of await store.allFeedback()) perBatch.set(f.user, (perBatch.get(f.user) ?? 0) + 1);
      const total = [...perBatch.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(acked.size * BATCH);
      for (const k of acked) expect(perBatch.get(`b${k}`), `batch ${k}`).toBe(BATCH);
      for (const [user, n] of perBatch) expect(n, `batch ${user} whole`).toBe(BATCH);
      // at most the batches in flight at the kill were stored without their answer
      expect(perBatch.size - acked.size).toBeLessThanOrEqual(IN_FLIGHT);
    } finally {
      await store.close();
    }
  }, 120_000);
});
