/**
 * Gorse's official JavaScript client (gorsejs 0.4.8, the paths, methods, query parameters and
 * bodies it really sends) against a real fusionrec server: every method of the subset fusionrec
 * claims, with Gorse's shapes (`RowAffected`, `{Cursor, Items}`, `[{Id, Score}]`), and a clear
 * 501 `not_supported` for the Gorse features fusionrec deliberately leaves out.
 */
import { Gorse, GorseException, type Item } from 'gorsejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { client } from './helpers.js';

const WRITE = 'gc-write';
const READ = 'gc-read';
let server: RunningServer;
let gorse: Gorse<string>;
let reader: Gorse<string>;

const DAY = 86400_000;
const T0 = Date.parse('2024-03-01T00:00:00Z');
const items: Item[] = Array.from({ length: 10 }, (_, k) => ({
  ItemId: `g${k}`,
  IsHidden: false,
  Categories: [k % 2 === 0 ? 'jazz' : 'rock'],
  Timestamp: new Date(T0 + k * DAY).toISOString(),
  Labels: [`n=${k}`],
  Comment: k % 2 === 0 ? `smoky jazz trio number ${k}` : `loud rock riot number ${k}`,
}));

/** The status (or -1) of a rejected client call. */
async function failure(p: Promise<unknown>): Promise<GorseException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GorseException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = await startServer({
    db: 'sqlite::memory:',
    port: 0,
    apiKey: WRITE,
    readKey: READ,
    webRoot: false,
    processMetrics: false,
    log: () => {},
  });
  gorse = new Gorse({ endpoint: server.url, secret: WRITE });
  reader = new Gorse({ endpoint: server.url, secret: READ });
});
afterAll(async () => {
  await server?.close();
});

describe('gorsejs against fusionrec', () => {
  it('inserts, reads, pages and updates items', async () => {
    expect(await gorse.upsertItems(items.slice(0, 9))).toBe(9);
    expect(await gorse.upsertItem(items[9]!)).toBe(1);
    expect(await gorse.getItem('g2')).toEqual({
      ItemId: 'g2',
      IsHidden: false,
      Categories: ['jazz'],
      Timestamp: '2024-03-03T00:00:00.000Z',
      Labels: ['n=2'],
      Comment: 'smoky jazz trio number 2',
    });
    // cursor pages: gorsejs sends the cursor back as `Cursor`
    const first = await gorse.getItems({ n: 4 });
    expect(first.Items).toHaveLength(4);
    expect(first.Cursor).not.toBe('');
    const seen = first.Items.map((i) => i.ItemId);
    let cursor = first.Cursor;
    while (cursor !== '') {
      const page = await gorse.getItems({ n: 4, Cursor: cursor });
      seen.push(...page.Items.map((i) => i.ItemId));
      cursor = page.Cursor;
    }
    expect(seen.sort()).toEqual(items.map((i) => i.ItemId).sort());

    expect(
      await gorse.updateItem('g2', {
        ItemId: 'g2',
        IsHidden: false,
        Timestamp: '2024-04-01T00:00:00Z',
        Comment: 'smoky jazz lounge',
      }),
    ).toBe(1);
    const g2 = await gorse.getItem('g2');
    expect(g2).toMatchObject({ Comment: 'smoky jazz lounge', Timestamp: '2024-04-01T00:00:00.000Z' });
    expect(g2.Labels).toEqual(['n=2']); // not given, so unchanged
    expect(g2.Categories).toEqual(['jazz']);

    expect(await gorse.insertItemCategory('g2', 'lounge')).toBe(1);
    expect((await gorse.getItem('g2')).Categories).toEqual(['jazz', 'lounge']);
    expect(await gorse.deleteItemCategory('g2', 'jazz')).toBe(1);
    expect((await gorse.getItem('g2')).Categories).toEqual(['lounge']);
    expect(await gorse.insertItemCategory('g2', 'jazz')).toBe(1);

    expect((await failure(gorse.getItem('nope'))).code).toBe(404);
    expect((await failure(reader.upsertItem(items[0]!))).code).toBe(401);
  });

  it('inserts, reads, pages, updates and deletes users', async () => {
    expect(await gorse.insertUser({ UserId: 'alice', Labels: ['vip'], Comment: 'first' })).toBe(1);
    expect(
      await gorse.insertUsers([
        { UserId: 'bob', Labels: [] },
        { UserId: 'carol', Labels: ['new'] },
        { UserId: 'dave' },
      ]),
    ).toBe(3);
    expect(await gorse.getUser('alice')).toMatchObject({
      UserId: 'alice',
      Labels: ['vip'],
      Comment: 'first',
    });
    const page = await gorse.getUsers({ n: 3 });
    expect(page.Users).toHaveLength(3);
    const rest = await gorse.getUsers({ n: 3, Cursor: page.Cursor });
    expect(rest.Cursor).toBe('');
    expect([...page.Users, ...rest.Users].map((u) => u.UserId).sort()).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
    ]);

    expect(await gorse.updateUser('alice', { UserId: 'alice', Comment: 'changed' })).toBe(1);
    expect(await gorse.getUser('alice')).toMatchObject({ Labels: ['vip'], Comment: 'changed' });
    expect(await gorse.deleteUser('dave')).toBe(1);
    expect((await failure(gorse.getUser('dave'))).code).toBe(404);
  });

  it('inserts feedback and reads it back per user, per type and per item', async () => {
    const at = '2024-05-01T00:00:00Z';
    const fb = (UserId: string, ItemId: string, FeedbackType = 'click') => ({
      FeedbackType,
      UserId,
      ItemId,
      Timestamp: at,
    });
    expect(
      await gorse.insertFeedbacks([fb('alice', 'g0'), fb('alice', 'g2'), fb('alice', 'g4', 'like')]),
    ).toBe(3);
    expect(
      await gorse.upsertFeedbacks([fb('bob', 'g0'), fb('bob', 'g2'), fb('bob', 'g6'), fb('carol', 'g1')]),
    ).toBe(4);
    const all = await gorse.getUserFeedback('alice');
    expect(all.map((f) => f.ItemId).sort()).toEqual(['g0', 'g2', 'g4']);
    expect(all[0]).toMatchObject({ UserId: 'alice', Timestamp: '2024-05-01T00:00:00.000Z' });
    const likes = await gorse.getUserFeedbackByType('alice', 'like');
    expect(likes.map((f) => [f.FeedbackType, f.ItemId])).toEqual([['like', 'g4']]);
    expect(await gorse.getFeedback({ type: 'click', userId: 'alice', itemId: 'g2' })).toMatchObject({
      FeedbackType: 'click',
      UserId: 'alice',
      ItemId: 'g2',
    });
    expect((await failure(gorse.getFeedback({ type: 'like', userId: 'alice', itemId: 'g2' }))).code).toBe(
      404,
    );
  });

  it('answers 501 not_supported, naming the feature, for what fusionrec leaves out', async () => {
    expect((await failure(gorse.getFeedbacks())).code).toBe(501);
    expect((await failure(gorse.getFeedbacks('click', { n: 10 }))).code).toBe(501);
    expect((await failure(gorse.getItemFeedback('g0'))).code).toBe(501);
    expect((await failure(gorse.getItemFeedbackByType('g0', 'click'))).code).toBe(501);
    expect((await failure(gorse.deleteFeedback({ type: 'click', userId: 'alice', itemId: 'g0' }))).code).toBe(
      501,
    );
    const raw = client(server.url, WRITE);
    const cases: [string, string][] = [
      ['/api/feedback?n=10', 'listing all feedback'],
      ['/api/item/g0/feedback/', "reading an item's feedback"],
    ];
    for (const [path, feature] of cases) {
      const r = await raw.get(path);
      expect(r.status, path).toBe(501);
      expect(r.body.error.code).toBe('not_supported');
      expect(r.body.error.message).toContain(feature);
    }
    const del = await raw.del('/api/feedback/click/alice/g0');
    expect(del.body.error).toMatchObject({ code: 'not_supported' });
    expect(del.body.error.message).toContain('deleting feedback');
    // the feedback is still there
    expect((await gorse.getUserFeedbackByType('alice', 'click')).length).toBe(2);
  });

  it('serves popular and latest items, in a category and without what a user has seen', async () => {
    const popular = await gorse.getPopular({ cursorOptions: { n: 3 } });
    expect(popular.map((s) => s.Id)).toEqual(['g0', 'g2', 'g1']);
    expect(popular[0]).toEqual({ Id: 'g0', Score: 2 });
    const rock = await gorse.getPopular({ category: 'rock', cursorOptions: { n: 2 } });
    expect(rock[0]).toEqual({ Id: 'g1', Score: 1 });
    for (const s of rock) expect(Number(s.Id.slice(1)) % 2).toBe(1);

    const latest = await gorse.getLatest({ cursorOptions: { n: 3 } });
    expect(latest.map((s) => s.Id)).toEqual(['g2', 'g9', 'g8']); // g2 was moved to April
    expect(latest[1]!.Score).toBe(Date.parse('2024-03-10T00:00:00Z') / 1000);
    const latestJazz = await gorse.getLatest({ category: 'jazz', cursorOptions: { n: 2, offset: 1 } });
    expect(latestJazz.map((s) => s.Id)).toEqual(['g8', 'g6']);
  });

  it('recommends with and without a category, and writes back with the write key only', async () => {
    const recs = await gorse.getRecommend({ userId: 'alice', cursorOptions: { n: 5 } });
    expect(recs).toHaveLength(5);
    for (const id of recs) expect(typeof id).toBe('string');
    for (const seen of ['g0', 'g2', 'g4']) expect(recs).not.toContain(seen);
    const jazz = await gorse.getRecommend({ userId: 'alice', category: 'jazz', cursorOptions: { n: 10 } });
    expect(jazz.length).toBeGreaterThan(0);
    for (const id of jazz) expect(['g6', 'g8']).toContain(id);
    const offset = await gorse.getRecommend({ userId: 'alice', cursorOptions: { n: 2, offset: 1 } });
    expect(offset).toEqual(recs.slice(1, 3));

    expect(
      (
        await failure(
          reader.getRecommend({ userId: 'carol', writeBackType: 'read', cursorOptions: { n: 2 } }),
        )
      ).code,
    ).toBe(401);
    const before = Date.now();
    const written = await gorse.getRecommend({
      userId: 'carol',
      writeBackType: 'read',
      writeBackDelay: '10m',
      cursorOptions: { n: 2 },
    });
    expect(written).toHaveLength(2);
    const read = await gorse.getUserFeedbackByType('carol', 'read');
    expect(read.map((f) => f.ItemId).sort()).toEqual([...written].sort());
    const ts = Date.parse(String(read[0]!.Timestamp));
    expect(ts).toBeGreaterThanOrEqual(before + 10 * 60_000 - 2000);
  });

  it('recommends for a session and finds item and user neighbours', async () => {
    const session = await gorse.getSessionRecommend(
      [{ FeedbackType: 'click', UserId: '', ItemId: 'g0', Timestamp: '2024-05-01T00:00:00Z' }],
      { cursorOptions: { n: 4 } },
    );
    expect(session).toHaveLength(4);
    expect(Object.keys(session[0]).sort()).toEqual(['Id', 'Score']);
    expect(session.map((s: { Id: string }) => s.Id)).not.toContain('g0');
    const rockSession = await gorse.getSessionRecommend(
      [{ FeedbackType: 'click', UserId: '', ItemId: 'g0', Timestamp: '2024-05-01T00:00:00Z' }],
      { category: 'rock', cursorOptions: { n: 3 } },
    );
    for (const s of rockSession as { Id: string }[]) expect(Number(s.Id.slice(1)) % 2).toBe(1);

    const near = (await gorse.getItemNeighbors({ itemId: 'g0', cursorOptions: { n: 3 } })) as unknown as {
      Id: string;
      Score: number;
    }[];
    expect(near).toHaveLength(3);
    expect(near.map((s) => s.Id)).not.toContain('g0');
    expect(near[0]!.Score).toBeGreaterThanOrEqual(near[2]!.Score);
    const nearRock = (await gorse.getItemNeighbors({
      itemId: 'g0',
      category: 'rock',
      cursorOptions: { n: 3 },
    })) as unknown as { Id: string }[];
    expect(nearRock.length).toBeGreaterThan(0);
    for (const s of nearRock) expect(Number(s.Id.slice(1)) % 2).toBe(1);

    // alice: g0 g2 g4; bob: g0 g2 g6 (2 shared of 3 and 3); carol: g1 + her write-back
    const users = (await gorse.getUserNeighbors({ userId: 'alice' })) as unknown as {
      Id: string;
      Score: number;
    }[];
    expect(users[0]).toEqual({ Id: 'bob', Score: expect.closeTo(2 / 3, 6) });
    expect((await failure(gorse.getUserNeighbors({ userId: 'nobody' }))).code).toBe(404);
  });

  it('deletes items', async () => {
    expect(await gorse.deleteItem('g9')).toBe(1);
    expect((await failure(gorse.getItem('g9'))).code).toBe(404);
    expect((await gorse.getLatest({ cursorOptions: { n: 2 } })).map((s) => s.Id)).toEqual(['g2', 'g8']);
  });
});
