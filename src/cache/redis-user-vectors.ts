/**
 * @module cache/redis-user-vectors
 * User vectors in Redis: one hash per model version, `<prefix>uv:<version>`, field = user id,
 * value = the float32 bytes. Commands fail fast while Redis is away (no offline queue): a vector
 * that could not be written is simply re-solved later, and a snapshot loaded while Redis is down
 * starts with no remembered vectors (every user is folded in on first use).
 */
import { Redis } from 'ioredis';
import { parseRedisUrl } from '../bus/redis-bus.js';
import type { UserVectorCache } from './types.js';

export class RedisUserVectors implements UserVectorCache {
  readonly kind: string;
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(url: string) {
    const { connect, prefix, shown } = parseRedisUrl(url);
    this.kind = shown;
    this.prefix = `${prefix}uv:`;
    this.redis = new Redis(connect, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    });
    this.redis.on('error', () => {
      // reported by the callers' failed commands; the bus reports the connection state
    });
  }

  async put(user: string, version: number, vector: Float32Array): Promise<void> {
    await this.redis.hset(
      `${this.prefix}${version}`,
      user,
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
    );
  }

  async all(version: number): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    let raw: Record<string, Buffer>;
    try {
      raw = await this.redis.hgetallBuffer(`${this.prefix}${version}`);
    } catch {
      return out; // Redis away: every user is folded in on first use
    }
    for (const [user, b] of Object.entries(raw)) {
      const v = new Float32Array(b.byteLength >>> 2);
      new Uint8Array(v.buffer).set(b.subarray(0, v.length * 4));
      out.set(user, v);
    }
    return out;
  }

  async forget(user: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 100);
      cursor = next;
      for (const k of keys) await this.redis.hdel(k, user);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
