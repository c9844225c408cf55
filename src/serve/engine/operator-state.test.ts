/**
 * @module serve/engine/operator-state.test
 * Pseudonyms against an HMAC computed here, the generated key kept in the store's meta (stable
 * across handles), pseudonyms turned off, and the rules/opt-outs read from the store.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import { OperatorState, SETTINGS } from './operator-state.js';

describe('OperatorState', () => {
  it('pseudonymises with HMAC-SHA256 of the configured key', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const o = new OperatorState(store, { logKey: 'k1' });
      await o.ready();
      const want = `p:${createHmac('sha256', 'k1').update('alice').digest('hex').slice(0, 32)}`;
      expect(o.logUser('alice')).toBe(want);
      expect(o.logUser('bob')).not.toBe(want);
      expect(o.logKeys('alice')).toEqual(['alice', want]);
      expect(o.pseudonymising).toBe(true);
      expect(await store.getMeta(SETTINGS.logKey)).toBeUndefined(); // a configured key is never stored
    } finally {
      await store.close();
    }
  });

  it('generates a key once into meta, so a second handle gives the same pseudonyms', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const a = new OperatorState(store);
      await a.ready();
      const key = await store.getMeta<string>(SETTINGS.logKey);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      const b = new OperatorState(store);
      await b.ready();
      expect(b.logUser('u')).toBe(a.logUser('u'));
      expect(a.logUser('u')).toBe(`p:${createHmac('sha256', key!).update('u').digest('hex').slice(0, 32)}`);
    } finally {
      await store.close();
    }
  });

  it('logs ids in clear when turned off, and reads rules and opt-outs', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.setOptOut('x', true);
      await store.putRule({ name: 'r', enabled: true, action: { kind: 'freshness', days: 1 } });
      const o = new OperatorState(store, { logKey: false });
      await o.ready();
      expect(o.logUser('alice')).toBe('alice');
      expect(o.logKeys('alice')).toEqual(['alice']);
      expect(o.isOptedOut('x')).toBe(true);
      expect(o.rules.map((r) => r.name)).toEqual(['r']);
      await store.setOptOut('x', false);
      expect(o.isOptedOut('x')).toBe(true); // until the change is applied
      await o.refreshOptOuts();
      expect(o.isOptedOut('x')).toBe(false);
    } finally {
      await store.close();
    }
  });
});
