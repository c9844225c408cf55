/**
 * Seeded, bounded fuzzing of the whole HTTP API from its own OpenAPI document (fast-check): over
 * 2,000 requests to every route, under the three key configurations (open, write key, write and
 * read keys), with schema-shaped, random, broken, deep and hostile inputs. No answer may be a 5xx
 * (except the documented 501 `not_supported` of the Gorse features fusionrec leaves out), every 4xx
 * carries `error.code` and `error.message`, and the server still answers liveness.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { type FuzzRequest, requestsOf } from './fuzz-gen.js';
import { client, type Json } from './helpers.js';

const WRITE = 'fuzz-write';
const READ = 'fuzz-read';
/** Live heap after a full garbage collection (gc exposed at run time for this measurement). */
function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const RUNS = 3400; // per configuration: 10,200 requests in all (issue 12 asks for at least 10,000)
const SEED = 20261204;

const CONFIGS = [
  { name: 'open', apiKey: undefined, readKey: undefined },
  { name: 'write key', apiKey: WRITE, readKey: undefined },
  { name: 'write and read keys', apiKey: WRITE, readKey: READ },
] as const;

async function send(base: string, r: FuzzRequest, key: string | undefined) {
  const headers = { ...r.headers, ...(key === undefined ? {} : { 'x-api-key': key }) };
  const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  const res = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers,
    redirect: 'manual',
    ...(withBody ? { body: r.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') ?? '' };
}

for (const config of CONFIGS) {
  describe(`fuzzing the API (${config.name})`, () => {
    let server: RunningServer;
    let doc: Json;
    beforeAll(async () => {
      server = await startServer({
        db: 'sqlite::memory:',
        port: 0,
        webRoot: false,
        processMetrics: false,
        encodeWorkers: 1,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.readKey ? { readKey: config.readKey } : {}),
        log: () => {},
      });
      const api = client(server.url, config.apiKey);
      await api.post('/v1/items', [
        { id: 'a', text: { title: 'first' }, categories: ['c1'] },
        { id: 'b', text: { title: 'second' } },
      ]);
      await api.post('/v1/feedback', [
        { user: 'u1', item: 'a', type: 'click' },
        { user: 'u2', item: 'b', type: 'click' },
      ]);
      doc = (await api.get('/openapi.json')).body;
    });
    afterAll(async () => {
      await server?.close();
    });

    it(`answers ${RUNS} generated requests without a 5xx, every 4xx with a code and a message`, async () => {
      const keys = fc.constantFrom<string | undefined>(undefined, WRITE, READ, 'wrong-key');
      let sent = 0;
      const heapBefore = heapAfterGc();
      await fc.assert(
        fc.asyncProperty(requestsOf(doc), keys, async (req, key) => {
          const r = await send(server.url, req, key);
          sent++;
          const where = `${req.method} ${req.path} (key ${key}) -> ${r.status} ${r.text.slice(0, 200)}`;
          // the documented 501 `not_supported` of a Gorse feature fusionrec leaves out
          const unsupported = r.status === 501 && req.path.startsWith('/api/');
          if (!unsupported) expect(r.status, where).toBeLessThan(500);
          else if (req.method !== 'HEAD') expect(JSON.parse(r.text).error.code, where).toBe('not_supported');
          if (r.status >= 400 && req.method !== 'HEAD') {
            expect(r.type, where).toContain('json');
            const body = JSON.parse(r.text) as Json;
            expect(typeof body.error?.code, where).toBe('string');
            expect(typeof body.error?.message, where).toBe('string');
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(sent).toBeGreaterThanOrEqual(RUNS);
      const live = await fetch(`${server.url}/v1/health/live`);
      expect(live.status).toBe(200);
      // memory stays flat: the server is in this process; what survives a full collection must not
      // grow with the requests (a leak of 10 KB per request would add 33 MB here)
      const grownMb = (heapAfterGc() - heapBefore) / 2 ** 20;
      expect(grownMb, `live heap grew ${grownMb.toFixed(1)} MB over ${RUNS} requests`).toBeLessThan(20);
    }, 120_000);
  });
}
