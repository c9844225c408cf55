/**
 * @module serve/engine/operator-state
 * What the engine keeps in memory of the operator's choices and users' privacy choices: the
 * business rules, the users opted out of personalisation (both re-read when the change feed says
 * `rules` / `opt-out`), and the key of the request logs' pseudonyms (a keyed HMAC-SHA256 of the
 * user id: from configuration, else a random key kept in the store's meta, so pseudonyms stay
 * stable across restarts and servers and a user's logs can still be exported and deleted).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RuleRecord, Store } from '../../store/types.js';

/** Meta keys of the operator's settings. */
export const SETTINGS = {
  /** Hide newly imported items until approved (boolean). */
  review: 'operator.reviewNewItems',
  /** Days after which raw feedback and request logs are aggregated or deleted (number; 0 = keep). */
  retentionDays: 'privacy.retentionDays',
  /** What retention does with old raw feedback: "aggregate" (default) or "delete". */
  retentionMode: 'privacy.retentionMode',
  /** The generated pseudonym key when none is configured. */
  logKey: 'privacy.logKey',
  /** Re-ranking stages applied to every list unless a request names its own (src/rerank spec). */
  rerank: 'operator.rerank',
} as const;

export interface PrivacyOptions {
  /** Key of the request logs' pseudonyms; false: log user ids in clear; absent: a generated key kept in meta. */
  logKey?: string | false;
}

export class OperatorState {
  rules: readonly RuleRecord[] = [];
  /** The default re-ranking spec (SETTINGS.rerank), undefined: none. */
  rerank: string | undefined;
  private optOuts = new Set<string>();
  private key: string | false | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    o: PrivacyOptions = {},
  ) {
    this.key = o.logKey;
  }

  /** Loads the rules, opt-outs and pseudonym key (once; later calls wait for the same load). */
  ready(): Promise<void> {
    this.loading ??= (async () => {
      const [rules, out, rerank] = await Promise.all([
        this.store.listRules(),
        this.store.optedOutUsers(),
        this.store.getMeta<string>(SETTINGS.rerank),
      ]);
      this.rules = rules;
      this.optOuts = new Set(out);
      this.rerank = typeof rerank === 'string' && rerank !== '' ? rerank : undefined;
      if (this.key === undefined) {
        let k = await this.store.getMeta<string>(SETTINGS.logKey);
        if (typeof k !== 'string') {
          k = randomBytes(32).toString('hex');
          await this.store.setMeta(SETTINGS.logKey, k);
        }
        this.key = k;
      }
    })().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  /** Re-reads the rules (a `rules` change). */
  async refreshRules(): Promise<void> {
    this.rules = await this.store.listRules();
  }

  /** Re-reads the operator's serving settings (a `meta` change of one of them). */
  async refreshSettings(): Promise<void> {
    const rerank = await this.store.getMeta<string>(SETTINGS.rerank);
    this.rerank = typeof rerank === 'string' && rerank !== '' ? rerank : undefined;
  }

  /** Re-reads the opt-outs (an `opt-out` change). */
  async refreshOptOuts(): Promise<void> {
    this.optOuts = new Set(await this.store.optedOutUsers());
  }

  /** Marks a user in memory (the local write path; other servers re-read through the feed). */
  markOptOut(user: string, optedOut: boolean): void {
    if (optedOut) this.optOuts.add(user);
    else this.optOuts.delete(user);
  }

  isOptedOut(user: string): boolean {
    return this.optOuts.has(user);
  }

  /** Whether request logs carry pseudonyms (false when the operator turned that off). */
  get pseudonymising(): boolean {
    return this.key !== false;
  }

  /**
   * What a request log stores for `user`: `p:` + 32 hex digits of HMAC-SHA256(key, user), or the
   * id itself when pseudonyms are off (before {@link ready}, with no configured key: the id too).
   */
  logUser(user: string): string {
    const k = this.key;
    if (k === false || k === undefined) return user;
    return `p:${createHmac('sha256', k).update(user).digest('hex').slice(0, 32)}`;
  }

  /** Every key a user's request logs may be stored under (the id and its pseudonym). */
  logKeys(user: string): string[] {
    return [...new Set([user, this.logUser(user)])];
  }
}
