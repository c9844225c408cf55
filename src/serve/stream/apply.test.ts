import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { StreamApplier } from './apply.js';

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  await store.upsertItems(
    ['a', 'b'].map((id) => ({
      id,
      text: {},
      categories: [],
      labels: [],
      attributes: {},
      timestamp: 0,
      hidden: false,
      modalities: {},
    })),
    [],
  );
});
afterEach(async () => {
  await store.close();
});

const row = (user: string, item: string) => ({ user, item, type: 'click', value: 1, timestamp: 1 });

describe('StreamApplier', () => {
  it('stores no feedback of users who opted out of personalisation, and the rest as usual', async () => {
    await store.setOptOut('private', true);
    const applier = new StreamApplier(store);
    await applier.apply({
      id: 'e1',
      entry: '1-0',
      kind: 'feedback',
      rows: [row('private', 'a'), row('public', 'b')],
    });
    await applier.apply({ id: 'e2', entry: '2-0', kind: 'feedback', rows: [row('private', 'b')] });
    const stored = (await store.allFeedback()).map((f) => [f.user, f.item]);
    expect(stored).toEqual([['public', 'b']]);
  });
});
