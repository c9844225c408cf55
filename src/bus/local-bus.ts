/**
 * @module bus/local-bus
 * The in-process bus: subscribers in this process are woken at once. Other processes on the same
 * SQLite file are seen by the followers' polling (store change feed), not through this bus.
 */
import type { Bus } from './types.js';

export class LocalBus implements Bus {
  readonly url = 'local';
  private readonly subs: (() => void)[] = [];

  async notify(): Promise<boolean> {
    for (const s of this.subs) queueMicrotask(s);
    return true;
  }

  subscribe(on: () => void): void {
    this.subs.push(on);
  }

  health(): { connected: boolean; error: string | null } {
    return { connected: true, error: null };
  }

  async close(): Promise<void> {
    this.subs.length = 0;
  }
}
