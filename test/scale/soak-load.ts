/**
 * @module test/scale/soak-load
 * What the soak bench (bench/soak.ts) and its short version in the suite (test/scale/soak.test.ts)
 * share: a SQLite database built through the store directly (items with short generated texts and
 * their built-in text vectors, users with feedback, and a synthetic 64-d BPR model version, as
 * bench/serve.ts builds its 100k-item server), and an open-loop mixed load on loopback (as
 * bench/serve.ts's openLoop: requests evenly spaced in time, each latency counted from its
 * scheduled send time, so a stalled server shows up as latency) with per-minute windows of latency,
 * errors, and the server process's RSS and open file descriptors (/proc/<pid>).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuiltinTextEncoder } from '../../src/encoders/text/builtin.js';
import { writeArtifact } from '../../src/models/artifact.js';
import { META } from '../../src/serve/content/encoders.js';
import { serializeTextState } from '../../src/serve/content/text-state.js';
import { syntheticFactors } from '../../src/serve/retrieval/synthetic.js';
import { openStore } from '../../src/store/open.js';
import type { ItemVectorRecord, StoredFeedback, StoredItem, StoredUser } from '../../src/store/types.js';
import { Rng } from '../../src/util/rng.js';

const WORDS = (
  'lamp chair table desk sofa rug shelf mirror clock vase bowl plate mug kettle pan knife fork ' +
  'spoon towel pillow blanket curtain basket candle frame poster plant pot stool bench cabinet ' +
  'red blue green grey black white oak pine steel brass glass linen wool cotton velvet leather ' +
  'small large round square tall low soft bright quiet modern classic rustic nordic vintage'
).split(' ');

export interface SoakShape {
  items: number;
  users: number;
  /** Feedback events per user (default 10). */
  perUser?: number;
  /** Model and text-vector dimensions (default 64). */
  dim?: number;
  seed?: number;
}

function title(rng: Rng): string {
  return Array.from({ length: 4 + rng.int(4) }, () => WORDS[rng.int(WORDS.length)]!).join(' ');
}

/** Builds the database at `file` (sqlite path); returns the seconds it took. */
export async function buildSoakDb(file: string, shape: SoakShape): Promise<number> {
  const t0 = performance.now();
  const dim = shape.dim ?? 64;
  const perUser = shape.perUser ?? 10;
  const rng = new Rng(shape.seed ?? 7);
  const items: StoredItem[] = Array.from({ length: shape.items }, (_, i) => ({
    id: `item-${i}`,
    text: { title: title(rng) },
    categories: [`cat-${i % 50}`],
    labels: [],
    attributes: {},
    timestamp: 1_600_000_000 + i,
    hidden: false,
    modalities: { text: 'present' },
  }));
  const users: StoredUser[] = Array.from({ length: shape.users }, (_, u) => ({
    id: `user-${u}`,
    labels: [],
    attributes: {},
  }));
  const feedback: StoredFeedback[] = [];
  for (let u = 0; u < shape.users; u++) {
    for (let k = 0; k < perUser; k++) {
      const item = `item-${rng.int(shape.items)}`;
      feedback.push({ user: `user-${u}`, item, type: 'click', value: 1, timestamp: 1_700_000_000 + k });
    }
  }
  const textOptions = { dim };
  const enc = createBuiltinTextEncoder(textOptions);
  const vectors: ItemVectorRecord[] = [];
  try {
    await enc.fit(items.slice(0, 5000).map((it) => ({ id: it.id, text: it.text.title! })));
    for (let s = 0; s < items.length; s += 2000) {
      const part = items.slice(s, s + 2000);
      const r = await enc.encode(part.map((it) => ({ id: it.id, text: it.text.title! })));
      part.forEach((it, k) => {
        const v = r.vectors.slice(k * dim, (k + 1) * dim);
        vectors.push({ item: it.id, modality: 'text', encoder: enc.id, vector: v });
      });
    }
  } finally {
    await enc.dispose();
  }
  const store = await openStore(`sqlite://${file}`);
  const tmp = mkdtempSync(join(tmpdir(), 'fusionrec-soak-art-'));
  try {
    await store.importAll({ items, vectors, users, feedback });
    await store.setMeta(META.encoders, { text: { name: 'builtin', options: textOptions } });
    await store.setMeta(META.textState, serializeTextState(enc.exportState()));
    const f = syntheticFactors(shape.items, dim, 2024);
    await writeArtifact(
      tmp,
      {
        model: 'bpr',
        params: { dim },
        dims: { users: shape.users, items: shape.items, dim },
        fingerprint: 'soak',
      },
      { userFactors: f.queries(shape.users), itemFactors: f.items },
    );
    const files = readdirSync(tmp).map((name) => ({ name, data: readFileSync(join(tmp, name)) }));
    const version = await store.addModelVersion({
      name: 'bpr',
      params: { dim },
      metrics: {},
      report: { synthetic: true },
      items: items.map((i) => i.id),
      users: users.map((u) => u.id),
      files,
    });
    await store.activateModelVersion(version);
  } finally {
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Warms the server up before a measured load: one text search (the first builds the text index
 * from the store, 100k vectors on the event loop) and one recommendation. Returns the seconds the
 * first search took.
 */
export async function warmUp(url: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/search?q=${encodeURIComponent('oak lamp')}&n=10`);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`warm-up search answered ${r.status}`);
  const seconds = (performance.now() - t0) / 1000;
  const rec = await fetch(`${url}/v1/recommend/user-0?n=10`);
  await rec.arrayBuffer();
  return seconds;
}

/** Idle time (ms) after which the load's keep-alive sockets are closed by the client. */
const IDLE_MS = 2000;

/** One request kind of the mix and its share. */
export type RequestKind = 'recommend' | 'feedback' | 'item' | 'search';

/** The default mix: 80% recommend, 15% feedback, 2.5% item writes, 2.5% text searches. */
export const MIX: Readonly<Record<RequestKind, number>> = {
  recommend: 0.8,
  feedback: 0.15,
  item: 0.025,
  search: 0.025,
};

/** One window (a minute, or shorter) of the load. */
export interface Window {
  /** Seconds since the load started, at the window's end. */
  t: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** The server's resident memory (MB) and open file descriptors at the window's end. */
  rssMb: number;
  fds: number;
  /** Per kind: requests and p99 (ms). */
  kinds: Partial<Record<RequestKind, { n: number; p99: number }>>;
}

export interface LoadResult {
  windows: Window[];
  /** Samples every `sampleSeconds`: t (s), RSS (MB), fds. */
  samples: { t: number; rssMb: number; fds: number }[];
  requests: number;
  errors: number;
  /** A few error descriptions (status and body, or the socket error). */
  errorSamples: string[];
  achieved: number;
  p50: number;
  p99: number;
  p999: number;
}

/** RSS (MB) and open descriptors of process `pid`, from /proc. */
export function processStats(pid: number): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Least-squares slope of ys over xs. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Req {
  kind: RequestKind;
  method: string;
  path: string;
  body?: string;
}

function nextRequest(rng: Rng, shape: { items: number; users: number }, k: number): Req {
  const x = rng.next();
  const user = `user-${rng.int(shape.users)}`;
  if (x < MIX.recommend) return { kind: 'recommend', method: 'GET', path: `/v1/recommend/${user}?n=10` };
  if (x < MIX.recommend + MIX.feedback) {
    const body = JSON.stringify([{ user, item: `item-${rng.int(shape.items)}`, type: 'click' }]);
    return { kind: 'feedback', method: 'POST', path: '/v1/feedback', body };
  }
  if (x < MIX.recommend + MIX.feedback + MIX.item) {
    const body = JSON.stringify([{ id: `soak-${k}`, text: { title: title(rng) }, categories: ['soak'] }]);
    return { kind: 'item', method: 'POST', path: '/v1/items', body };
  }
  const q = `${WORDS[rng.int(WORDS.length)]} ${WORDS[rng.int(WORDS.length)]}`;
  return { kind: 'search', method: 'GET', path: `/v1/search?q=${encodeURIComponent(q)}&n=10` };
}

/**
 * Runs the mixed load at `rate` requests/s for `seconds` against `url`, watching server `pid`;
 * windows of `windowSeconds` (default 60), samples every `sampleSeconds` (default 5).
 */
export async function mixedLoad(
  url: string,
  pid: number,
  o: {
    rate: number;
    seconds: number;
    shape: { items: number; users: number };
    seed?: number;
    windowSeconds?: number;
    sampleSeconds?: number;
    onWindow?: (w: Window) => void;
  },
): Promise<LoadResult> {
  const rng = new Rng(o.seed ?? 1);
  // the agent drops a socket idle for IDLE_MS, well before the server's keep-alive timeout (5 s;
  // Node's agent alone keeps it until 4 s, a margin a lagging event loop on a loaded machine eats):
  // reusing a socket the server is closing resets the request (ECONNRESET), the client's race
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: IDLE_MS });
  const { hostname, port } = new URL(url);
  const total = Math.round(o.rate * o.seconds);
  const gap = 1000 / o.rate;
  const windowMs = (o.windowSeconds ?? 60) * 1000;
  const all: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let sent = 0;
  let done = 0;
  let cur = { lat: [] as number[], errors: 0, kinds: new Map<RequestKind, number[]>() };
  const windows: Window[] = [];
  const samples: LoadResult['samples'] = [];
  const t0 = performance.now() + 20;
  const sample = () => {
    const s = processStats(pid);
    samples.push({ t: (performance.now() - t0) / 1000, ...s });
    return s;
  };
  const closeWindow = () => {
    const s = sample();
    const lat = cur.lat.sort((a, b) => a - b);
    const kinds: Window['kinds'] = {};
    for (const [k, l] of cur.kinds)
      kinds[k] = {
        n: l.length,
        p99: quantile(
          l.sort((a, b) => a - b),
          0.99,
        ),
      };
    const w: Window = {
      t: Math.round((performance.now() - t0) / 1000),
      requests: lat.length + cur.errors,
      errors: cur.errors,
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      max: lat[lat.length - 1] ?? 0,
      ...s,
      kinds,
    };
    windows.push(w);
    o.onWindow?.(w);
    cur = { lat: [], errors: 0, kinds: new Map() };
  };
  const fail = (why: string) => {
    errors++;
    cur.errors++;
    if (errorSamples.length < 10) errorSamples.push(why);
  };
  sample();
  const sampler = setInterval(sample, (o.sampleSeconds ?? 5) * 1000);
  const windower = setInterval(closeWindow, windowMs);
  await new Promise<void>((finish) => {
    const fire = (scheduled: number, r: Req): void => {
      const req = http.request(
        {
          agent,
          hostname,
          port,
          path: r.path,
          method: r.method,
          headers: r.body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) }
            : {},
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (text.length < 300) text += c;
          });
          res.on('end', () => {
            const ms = performance.now() - scheduled;
            if (res.statusCode === 200) {
              all.push(ms);
              cur.lat.push(ms);
              const l = cur.kinds.get(r.kind) ?? [];
              l.push(ms);
              cur.kinds.set(r.kind, l);
            } else fail(`${r.method} ${r.path}: ${res.statusCode} ${text.slice(0, 200)}`);
            if (++done === total) finish();
          });
        },
      );
      req.on('error', (err) => {
        fail(`${r.method} ${r.path}: ${err.message}`);
        if (++done === total) finish();
      });
      req.end(r.body);
    };
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + sent * gap <= now) {
        const k = sent++;
        fire(t0 + k * gap, nextRequest(rng, o.shape, k));
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, t0 + sent * gap - performance.now())));
    };
    setTimeout(tick, 20);
  });
  clearInterval(sampler);
  clearInterval(windower);
  if (cur.lat.length + cur.errors > 0) closeWindow();
  agent.destroy();
  const wall = (performance.now() - t0) / 1000;
  all.sort((a, b) => a - b);
  return {
    windows,
    samples,
    requests: total,
    errors,
    errorSamples,
    achieved: all.length / wall,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    p999: quantile(all, 0.999),
  };
}
