/**
 * @module serve/stream/apply
 * Applies one stream event to the store, through the same code paths as the HTTP API, with the
 * event id recorded in the write's own transaction (store/types EventWriteOptions), so that a
 * redelivered event writes nothing. Every write goes through the store, whose change feed every
 * server follows (and the bus wakes them when the worker has one).
 *
 * - feedback: Store.insertFeedback (as Engine.addFeedback; the servers fold it in from the feed),
 *   without the rows of users who opted out of personalisation (the list re-read every 2 s);
 * - item: media checked and content encoded as Engine.upsertItems does (serve/content/prepare-items,
 *   with the catalog's encoders and the stored text fit), then Store.upsertItems with the vectors;
 * - item-delete / user-delete: Store.deleteItem / deleteUser; an id that is already gone is not an
 *   error here ("absent": a delete that arrives twice under two event ids has nothing left to do).
 *
 * The worker does not open an Engine (catalog, histories and model snapshots in memory, which it
 * would not use): only the content encoders, opened at the first item event and reopened when the
 * change feed says the encoders, their fitted state or the media root changed (or after a bulk
 * import), so new items are always encoded in the space the catalog is in.
 */
import { NotFoundError } from '../../errors.js';
import type { Store } from '../../store/types.js';
import { ContentEncoders, META } from '../content/encoders.js';
import { mediaRootOf, prepareItems } from '../content/prepare-items.js';
import type { StreamEvent } from './events.js';

/** Metadata whose change means the encoders must be reopened. */
const ENCODER_META: ReadonlySet<string> = new Set([META.encoders, META.textState, META.mediaRoot]);

export type ApplyOutcome = 'applied' | 'absent';

export class StreamApplier {
  private encoders: { content: ContentEncoders; mediaRoot: string } | undefined;
  /** The change-feed position up to which the open encoders are known to be current. */
  private cursor = 0;

  constructor(
    private readonly store: Store,
    private readonly options: { mediaRoot?: string } = {},
  ) {}

  async apply(e: StreamEvent): Promise<ApplyOutcome> {
    const opts = { eventId: e.id };
    switch (e.kind) {
      case 'feedback': {
        // users who opted out of personalisation are not tracked (as on the HTTP routes)
        const out = await this.optedOut();
        const rows = out.size === 0 ? e.rows : e.rows.filter((r) => !out.has(r.user));
        if (rows.length > 0) await this.store.insertFeedback(rows, opts);
        return 'applied';
      }
      case 'item': {
        const { content, mediaRoot } = await this.currentEncoders();
        const { items, enc } = await prepareItems(content, mediaRoot, e.items);
        await this.store.upsertItems(items, enc.vectors, opts);
        return 'applied';
      }
      case 'item-delete':
        return absentIfGone(this.store.deleteItem(e.item, opts));
      case 'user-delete':
        return absentIfGone(this.store.deleteUser(e.user, opts));
    }
  }

  private optOuts: { at: number; users: Set<string> } | undefined;

  /** The opted-out users, re-read at most every 2 s. */
  private async optedOut(): Promise<Set<string>> {
    const now = Date.now();
    if (!this.optOuts || now - this.optOuts.at > 2000) {
      this.optOuts = { at: now, users: new Set(await this.store.optedOutUsers()) };
    }
    return this.optOuts.users;
  }

  /** The content encoders, reopened when the change feed says they changed since they were opened. */
  private async currentEncoders(): Promise<{ content: ContentEncoders; mediaRoot: string }> {
    if (this.encoders && (await this.encodersChanged())) {
      await this.encoders.content.dispose();
      this.encoders = undefined;
    }
    if (!this.encoders) {
      this.cursor = await this.store.lastChangeSeq();
      const mediaRoot = await mediaRootOf(this.store, this.options.mediaRoot);
      this.encoders = { content: await ContentEncoders.open(this.store, mediaRoot), mediaRoot };
    }
    return this.encoders;
  }

  private async encodersChanged(): Promise<boolean> {
    if (this.cursor < (await this.store.firstChangeSeq()) - 1) return true; // pruned past us
    for (;;) {
      const page = await this.store.changesSince(this.cursor, 1000);
      if (page.length === 0) return false;
      this.cursor = page[page.length - 1]!.seq;
      for (const c of page) {
        if (c.kind === 'bulk' || (c.kind === 'meta' && c.keys.some((k) => ENCODER_META.has(k)))) return true;
      }
    }
  }

  async close(): Promise<void> {
    await this.encoders?.content.dispose();
    this.encoders = undefined;
  }
}

async function absentIfGone(write: Promise<void>): Promise<ApplyOutcome> {
  try {
    await write;
    return 'applied';
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
}
