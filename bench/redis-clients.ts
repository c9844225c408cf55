/**
 * Chooses the Redis client by measuring (issue 14): ioredis vs node-redis (`redis`) against the
 * machine's Redis on 127.0.0.1:6379, in one run so the ratios are fair on a noisy machine.
 * Measures what the bus and cache do: sequential round trips (GET/SET), a pipelined batch, and
 * pub/sub delivery latency (publish on one connection, receive on another).
 * Run: node --import tsx bench/redis-clients.ts [--n 5000]   (the two clients must be installed:
 * `npm install --no-save ioredis redis` — only the chosen one is a dependency).
 * Writes bench/results/redis-clients.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

const N = Number(process.argv[process.argv.indexOf('--n') + 1]) || 5000;
const PREFIX = `bench-redis-${process.pid}:`;
/** node-redis is only installed for this comparison (`npm install --no-save redis`). */
const NODE_REDIS: string = 'redis';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

interface Client {
  set(k: string, v: string): Promise<unknown>;
  get(k: string): Promise<unknown>;
  pipeline(n: number): Promise<unknown>;
  publish(ch: string, m: string): Promise<unknown>;
  subscribe(ch: string, on: (m: string) => void): Promise<void>;
  close(): Promise<void>;
}

async function ioredisClient(): Promise<Client> {
  // biome-ignore lint/suspicious/noExplicitAny: a client measured here, not a typed dependency
  const { Redis } = (await import('ioredis')) as unknown as { Redis: new (url: string) => any };
  const a = new Redis('redis://127.0.0.1:6379');
  const sub = new Redis('redis://127.0.0.1:6379');
  return {
    set: (k, v) => a.set(k, v),
    get: (k) => a.get(k),
    pipeline: async (n) => {
      const p = a.pipeline();
      for (let i = 0; i < n; i++) p.set(`${PREFIX}p${i}`, String(i));
      return p.exec();
    },
    publish: (ch, m) => a.publish(ch, m),
    subscribe: async (ch, on) => {
      await sub.subscribe(ch);
      sub.on('message', (_c: string, m: string) => on(m));
    },
    close: async () => {
      await a.quit();
      await sub.quit();
    },
  };
}

async function nodeRedisClient(): Promise<Client> {
  // biome-ignore lint/suspicious/noExplicitAny: a client measured here, not a typed dependency
  const { createClient } = (await import(NODE_REDIS)) as unknown as { createClient: (o: object) => any };
  const a = createClient({ url: 'redis://127.0.0.1:6379' });
  await a.connect();
  const sub = a.duplicate();
  await sub.connect();
  return {
    set: (k, v) => a.set(k, v),
    get: (k) => a.get(k),
    pipeline: async (n) => {
      const m = a.multi();
      for (let i = 0; i < n; i++) m.set(`${PREFIX}p${i}`, String(i));
      return m.execAsPipeline();
    },
    publish: (ch, m) => a.publish(ch, m),
    subscribe: (ch, on) => sub.subscribe(ch, on),
    close: async () => {
      await a.quit();
      await sub.quit();
    },
  };
}

async function measure(name: string, make: () => Promise<Client>) {
  const c = await make();
  const rtt: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await c.set(`${PREFIX}k`, String(i));
    await c.get(`${PREFIX}k`);
    rtt.push((performance.now() - t0) / 2);
  }
  const t1 = performance.now();
  await c.pipeline(N);
  const pipelineMs = performance.now() - t1;
  const lat: number[] = [];
  let pending: ((t: number) => void) | undefined;
  await c.subscribe(`${PREFIX}ch`, () => pending?.(performance.now()));
  for (let i = 0; i < Math.min(N, 2000); i++) {
    const got = new Promise<number>((r) => (pending = r));
    const t0 = performance.now();
    await c.publish(`${PREFIX}ch`, String(i));
    lat.push((await got) - t0);
  }
  await c.close();
  return {
    client: name,
    rttP50: quantile(rtt, 0.5),
    rttP99: quantile(rtt, 0.99),
    pipelineOpsPerS: N / (pipelineMs / 1000),
    pubsubP50: quantile(lat, 0.5),
    pubsubP99: quantile(lat, 0.99),
  };
}

const rows = [];
for (let round = 0; round < 2; round++) {
  rows.push(await measure('ioredis', ioredisClient));
  rows.push(await measure('redis', nodeRedisClient));
}
console.log('client    rtt p50 ms  rtt p99 ms  pipeline ops/s  pub/sub p50 ms  pub/sub p99 ms');
for (const r of rows) {
  console.log(
    `${r.client.padEnd(9)} ${r.rttP50.toFixed(3).padStart(10)} ${r.rttP99.toFixed(3).padStart(11)} ${Math.round(r.pipelineOpsPerS).toString().padStart(15)} ${r.pubsubP50.toFixed(3).padStart(15)} ${r.pubsubP99.toFixed(3).padStart(15)}`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/redis-clients.json',
  `${JSON.stringify({ date: new Date().toISOString(), n: N, rows }, null, 2)}\n`,
);
// biome-ignore lint/suspicious/noExplicitAny: a client measured here, not a typed dependency
const { createClient } = (await import(NODE_REDIS)) as unknown as { createClient: (o: object) => any };
const cleanup = createClient({ url: 'redis://127.0.0.1:6379' });
await cleanup.connect();
for await (const keys of cleanup.scanIterator({ MATCH: `${PREFIX}*` }))
  if (keys.length) await cleanup.del(keys);
await cleanup.quit();
