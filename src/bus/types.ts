/**
 * @module bus/types
 * The change bus: how one process tells every server "the store has new changes" at once. The
 * store's change feed (store/types ChangeRecord) is the truth — durable, ordered, read by sequence
 * number — and a bus message carries nothing but a wake-up, so a lost message costs only latency:
 * followers also poll, and after a bus outage they catch up from the feed by sequence number.
 *
 * Backends by URL (as the store's): none / `local` (one process; SQLite servers rely on polling
 * for other processes' writes) and `redis://host:port[/db][?prefix=…]` (pub/sub on one channel).
 */

export interface Bus {
  /** "local" or the Redis URL (without credentials). */
  readonly url: string;
  /** Wakes every subscriber (in every process on this bus). Never throws; false when not delivered. */
  notify(): Promise<boolean>;
  /** Calls `on` on every notification, and once after each reconnection (to catch up). */
  subscribe(on: () => void): void;
  /** Whether the bus is connected now, with the last error when not. */
  health(): { connected: boolean; error: string | null };
  close(): Promise<void>;
}
