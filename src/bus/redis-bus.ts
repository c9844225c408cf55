/**
 * @module bus/redis-bus
 * The change bus on Redis pub/sub (ioredis: chosen by measurement, see docs/ARCHITECTURE.md
 * "Scale-out"). One connection publishes, one subscribes to `<prefix>changes`. Publishing never
 * queues while Redis is away (enableOfflineQueue off, one retry): a write is acknowledged by the
 * store alone, and the wake-up it could not send is made up by the followers' polling. The
 * subscriber reconnects by itself and re-subscribes; each time it is ready again, subscribers are
 * woken once so that every server catches up from the store's feed by sequence number.
 */
import { Redis } from 'ioredis';
import { InvalidArgumentError } from '../errors.js';
import type { Bus } from './types.js';

/** Connection options and key prefix from a redis:// URL (`?prefix=` names the key/channel prefix). */
export function parseRedisUrl(url: string): { connect: string; prefix: string; shown: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(
      `cache URL "${url}" is not valid; expected redis://host:port[/db][?prefix=name:]`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`cache URL "${url}" is not redis:// or rediss://`);
  }
  const prefix = u.searchParams.get('prefix') ?? 'fusionrec:';
  u.searchParams.delete('prefix');
  const connect = u.toString();
  const shown = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  return { connect, prefix, shown };
}

export class RedisBus implements Bus {
  readonly url: string;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly subs: (() => void)[] = [];
  private lastError: string | null = null;
  private closed = false;

  private constructor(url: string) {
    const { connect, prefix, shown } = parseRedisUrl(url);
    this.url = shown;
    this.channel = `${prefix}changes`;
    const common = {
      lazyConnect: true,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    };
    this.pub = new Redis(connect, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.sub = new Redis(connect, { ...common, maxRetriesPerRequest: null });
    for (const c of [this.pub, this.sub]) {
      c.on('error', (err: Error) => {
        this.lastError = err.message;
      });
    }
    this.sub.on('message', () => this.wakeAll());
    this.sub.on('ready', () => {
      this.lastError = null;
      this.wakeAll();
    });
  }

  /** Connects both connections and subscribes; rejects when Redis cannot be reached at start. */
  static async open(url: string): Promise<RedisBus> {
    const bus = new RedisBus(url);
    try {
      await bus.pub.connect();
      await bus.sub.connect();
      await bus.sub.subscribe(bus.channel);
    } catch (err) {
      await bus.close();
      throw new InvalidArgumentError(
        `cannot reach the cache/bus at ${bus.url}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return bus;
  }

  private wakeAll(): void {
    for (const s of this.subs) s();
  }

  async notify(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.pub.publish(this.channel, '1');
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  subscribe(on: () => void): void {
    this.subs.push(on);
  }

  health(): { connected: boolean; error: string | null } {
    const connected = this.pub.status === 'ready' && this.sub.status === 'ready';
    return { connected, error: connected ? null : (this.lastError ?? `connection ${this.sub.status}`) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subs.length = 0;
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
