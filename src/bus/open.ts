/**
 * @module bus/open
 * Opens the change bus a URL names (undefined / "" / "local": in-process; redis://…: Redis), and
 * wraps a store so that each of its writes wakes every follower on the bus once it has committed.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Store } from '../store/types.js';
import { LocalBus } from './local-bus.js';
import { RedisBus } from './redis-bus.js';
import type { Bus } from './types.js';

export async function openBus(url: string | undefined): Promise<Bus> {
  if (url === undefined || url === '' || url === 'local') return new LocalBus();
  if (/^rediss?:\/\//i.test(url)) return RedisBus.open(url);
  throw new InvalidArgumentError(
    `cache/bus URL "${url}" is not supported; expected redis://host:port or local`,
  );
}

/** The Store methods that record a change (store/types ChangeKind): after each, the bus is notified. */
const WRITES: ReadonlySet<string> = new Set([
  'setMeta',
  'upsertItems',
  'patchItem',
  'deleteItem',
  'importAll',
  'upsertUsers',
  'deleteUser',
  'insertFeedback',
  'putItemVectors',
  'addModelVersion',
  'activateModelVersion',
  'createExperiment',
  'stopExperiment',
  'putRule',
  'deleteRule',
  'setOptOut',
  'applyRetention',
]);

/** `store`, with every committed write followed by a bus notification (fire and forget). */
export function notifyingStore(store: Store, bus: Bus): Store {
  // one wrapper per method, made on first use (reads on the request path allocate nothing)
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      let m = methods.get(prop);
      if (m === undefined) {
        const f = v as (...a: unknown[]) => Promise<unknown>;
        m =
          typeof prop === 'string' && WRITES.has(prop)
            ? async (...args: unknown[]) => {
                const r = await f.apply(target, args);
                void bus.notify();
                return r;
              }
            : f.bind(target);
        methods.set(prop, m);
      }
      return m;
    },
  });
}
