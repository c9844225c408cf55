/**
 * @module store/copy
 * Moves a whole installation from one {@link Store} to another through the Store interface (so any
 * backend pair works: SQLite → PostgreSQL, PostgreSQL → SQLite, …), and checks the result.
 *
 * `copyStore` writes, in batches: the meta keys fusionrec uses, items with their vectors, users,
 * feedback (in source order), model versions with their files, id maps, reports and folded-in user
 * vectors (`addModelVersion` numbers them anew: the old → new map re-points the active version and
 * the experiments' arms), reports, experiments (stopped ones stopped again), the impressions the
 * interface can read, business rules, opt-outs, the review queue with its decisions and the audit
 * log. It refuses a destination that already holds items or feedback unless `force`.
 *
 * What the interface cannot read is not copied (see {@link NOT_COPIED}): attributed clicks and
 * conversions, impressions beyond the newest 200 per user and impressions outside experiments,
 * request logs and the change feed. Creation times of versions, reports and experiments, and the
 * feedback insertion times, are those of the copy.
 *
 * `storeDigest` summarises a store as rows of (part, count, SHA-256 over canonical JSON: items and
 * users ordered by id, feedback rows in order, each modality's vectors by item id, each model
 * version with its files, id maps and user vectors, …), model versions by their position (so two
 * stores compare without the version map); `compareDigests` lines two digests up.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js';
import { META } from '../serve/content/encoders.js';
import { SETTINGS } from '../serve/engine/operator-state.js';
import type {
  AuditEntry,
  ItemVectorRecord,
  ModalityVectors,
  ReviewRecord,
  Store,
  StoredUser,
} from './types.js';

/**
 * The meta keys the code reads and writes: serve/content/encoders.ts META, the operator's settings
 * and the generated pseudonym key (serve/engine/operator-state.ts SETTINGS; the key must travel,
 * or the copied request logs' pseudonyms would no longer match their users), the audit's key
 * fingerprints (serve/http/routes/audit.ts), and cli/demo/serve.ts "demo".
 */
export const COPIED_META_KEYS: readonly string[] = [
  ...Object.values(META),
  ...Object.values(SETTINGS),
  'audit.keyFingerprints',
  'demo',
];

/** What the Store interface gives no way to read, so a copy leaves out. */
export const NOT_COPIED: readonly string[] = [
  'attributed clicks/conversions (no reader in the Store interface)',
  'impressions outside experiments, and beyond the newest 200 per user (recentImpressions is the only reader)',
  'request logs (no reader)',
  'change feed (the destination keeps its own)',
  'creation times of model versions, reports, experiments, rules and review decisions; audit entry times; feedback insertion times',
  'feedback aggregated by retention (no reader of the aggregates by age; their counts are copied into popularity only through feedbackAggregates, not as raw feedback)',
  'built serving indexes (rebuilt and stored again by the first server)',
  'media files on disk (the media-root meta key is copied as it is)',
];

export interface CopyOptions {
  /** Rows per write (default 10,000). */
  batch?: number;
  /** Copy into a destination that already holds items or feedback. */
  force?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface CopyOutcome {
  /** Source model version → destination model version. */
  versions: Map<number, number>;
  /** Rows written per part. */
  copied: Record<string, number>;
  /** Things the copy could not carry over completely. */
  warnings: string[];
}

/** Every user of a store, page by page (without the feedback counts). */
async function* usersOf(store: Store, batch: number): AsyncGenerator<StoredUser[]> {
  for (let offset = 0; ; offset += batch) {
    const { users } = await store.listUsers({ offset, limit: batch });
    if (users.length === 0) return;
    yield users.map(({ feedbackCount: _, ...u }) => u);
    if (users.length < batch) return;
  }
}

/** One item's vectors, looked up in every modality's vectors. */
function vectorsOf(
  id: string,
  all: readonly { m: ModalityVectors; row: Map<string, number> }[],
): ItemVectorRecord[] {
  const out: ItemVectorRecord[] = [];
  for (const { m, row } of all) {
    const r = row.get(id);
    if (r === undefined) continue;
    const vector = m.data.slice(r * m.dim, (r + 1) * m.dim);
    out.push({ item: id, modality: m.modality, encoder: m.encoder, vector });
  }
  return out;
}

/** Refuses the same store twice, and a destination with items or feedback unless `force`. */
async function checkDestination(from: Store, to: Store, force: boolean): Promise<void> {
  if (from.url === to.url && from.url !== 'sqlite::memory:') {
    throw new InvalidArgumentError(`the source and the destination are the same store (${from.url})`);
  }
  const c = await to.counts();
  if ((c.items > 0 || c.feedback > 0) && !force) {
    throw new AlreadyExistsError(
      `the destination ${to.url} already holds ${c.items} items and ${c.feedback} feedback rows; ` +
        'pass --force to copy into it anyway (items and users are replaced by id, feedback is appended)',
    );
  }
}

async function copyCatalog(
  from: Store,
  to: Store,
  batch: number,
  out: CopyOutcome,
  log: (s: string) => void,
) {
  for (const key of COPIED_META_KEYS) {
    const value = await from.getMeta(key);
    if (value === undefined) continue;
    await to.setMeta(key, value);
    out.copied.meta = (out.copied.meta ?? 0) + 1;
  }
  const modalities: { m: ModalityVectors; row: Map<string, number> }[] = [];
  for (const name of await from.vectorModalities()) {
    const m = await from.modalityVectors(name);
    if (m) modalities.push({ m, row: new Map(m.ids.map((id, r) => [id, r])) });
  }
  out.copied.items = 0;
  out.copied.vectors = 0;
  for (let offset = 0; ; offset += batch) {
    const { items } = await from.listItems({ offset, limit: batch });
    if (items.length === 0) break;
    const vectors = items.flatMap((it) => vectorsOf(it.id, modalities));
    await to.upsertItems(items, vectors);
    out.copied.items += items.length;
    out.copied.vectors += vectors.length;
    log(`items: ${out.copied.items}`);
    if (items.length < batch) break;
  }
  out.copied.users = 0;
  for await (const users of usersOf(from, batch)) {
    await to.upsertUsers(users);
    out.copied.users += users.length;
  }
  log(`users: ${out.copied.users}`);
  // one copy of the feedback in memory (allFeedback), written in slices
  out.copied.feedback = 0;
  const feedback = await from.allFeedback();
  for (let k = 0; k < feedback.length; k += batch) {
    const rows = feedback.slice(k, k + batch);
    await to.insertFeedback(rows);
    out.copied.feedback += rows.length;
    log(`feedback: ${out.copied.feedback}`);
  }
}

/** Copies one model version; rows of users deleted since training stay empty in the copy. */
async function copyVersion(from: Store, to: Store, version: number): Promise<number> {
  const detail = await from.getModelVersion(version);
  if (!detail) throw new InvalidArgumentError(`model version ${version} vanished during the copy`);
  const ids = await from.modelIds(version);
  const files = await from.modelFiles(version);
  const size = Math.max(-1, ...ids.users.values()) + 1;
  const users: string[] = new Array(size);
  for (const [u, row] of ids.users) users[row] = u;
  // a deleted user's row: a placeholder user, deleted again below (which removes its id-map row)
  const holes: string[] = [];
  for (let row = 0; row < size; row++) {
    if (users[row] === undefined) {
      users[row] = `fusionrec-copy-hole-${randomUUID()}`;
      holes.push(users[row]!);
    }
  }
  const { name, params, metrics, report } = detail;
  const next = await to.addModelVersion({ name, params, metrics, report, items: ids.items, users, files });
  if (holes.length > 0) {
    await to.upsertUsers(holes.map((id) => ({ id, labels: [], attributes: {} })));
    for (const id of holes) await to.deleteUser(id);
  }
  for (const [user, vector] of await from.userVectors(version)) await to.putUserVector(user, next, vector);
  return next;
}

async function copyExperiments(from: Store, to: Store, batch: number, out: CopyOutcome) {
  const experiments = await from.listExperiments();
  for (const e of experiments) {
    const arms = e.arms.map((a) => {
      const version = out.versions.get(a.version);
      if (version === undefined)
        out.warnings.push(`experiment "${e.name}" arm "${a.name}": unknown version ${a.version} kept as is`);
      return { ...a, version: version ?? a.version };
    });
    await to.createExperiment({ id: e.id, name: e.name, arms });
    if (e.status === 'stopped') await to.stopExperiment(e.id);
  }
  out.copied.experiments = experiments.length;
  out.copied.impressions = 0;
  if (experiments.length === 0) return;
  for await (const users of usersOf(from, batch)) {
    for (const u of users) {
      const imps = await from.recentImpressions(u.id, 0);
      if (imps.length >= 200)
        out.warnings.push(`user "${u.id}": only the newest 200 impressions are readable`);
      for (const imp of imps.reverse()) await to.addImpression(imp);
      out.copied.impressions += imps.length;
    }
  }
}

/** Every audit entry, oldest first. */
async function allAudit(store: Store): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for (let before: number | undefined; ; ) {
    const page = await store.listAudit({ limit: 1000, ...(before === undefined ? {} : { before }) });
    out.push(...page);
    if (page.length < 1000) break;
    before = page[page.length - 1]!.id;
  }
  return out.reverse();
}

async function allReview(store: Store): Promise<ReviewRecord[]> {
  const out: ReviewRecord[] = [];
  for (const status of ['pending', 'approved', 'rejected'] as const) {
    out.push(...(await store.listReview({ status, limit: Number.MAX_SAFE_INTEGER })));
  }
  return out;
}

/** Business rules (same ids), opt-outs, the review queue with its decisions, the audit log. */
async function copyOperator(from: Store, to: Store, out: CopyOutcome) {
  const rules = await from.listRules();
  for (const r of rules) {
    const { createdAt: _c, updatedAt: _u, ...input } = r;
    await to.putRule(input);
  }
  out.copied.rules = rules.length;
  const optOuts = await from.optedOutUsers();
  for (const u of optOuts) await to.setOptOut(u, true);
  out.copied.optOuts = optOuts.length;
  const review = await allReview(from);
  if (review.length > 0) await to.queueReview(review.map((r) => r.item));
  for (const r of review) {
    if (r.status !== 'pending') await to.decideReview(r.item, r.status, r.decidedBy ?? 'copy');
  }
  out.copied.review = review.length;
  const audit = await allAudit(from);
  for (const { actor, action, target, details } of audit)
    await to.addAudit({ actor, action, target, details });
  out.copied.audit = audit.length;
}

/** Copies everything the Store interface can read from `from` into `to` (see the module comment). */
export async function copyStore(from: Store, to: Store, o: CopyOptions = {}): Promise<CopyOutcome> {
  const batch = o.batch ?? 10_000;
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InvalidArgumentError(`batch must be a positive integer, got ${batch}`);
  }
  const log = o.log ?? (() => {});
  await checkDestination(from, to, o.force ?? false);
  const out: CopyOutcome = { versions: new Map(), copied: {}, warnings: [] };
  await copyCatalog(from, to, batch, out, log);
  for (const v of await from.listModelVersions()) {
    out.versions.set(v.version, await copyVersion(from, to, v.version));
    log(`model version ${v.version} → ${out.versions.get(v.version)}`);
  }
  out.copied.versions = out.versions.size;
  const active = await from.activeModelVersion();
  if (active !== undefined) await to.activateModelVersion(out.versions.get(active)!);
  const reports = await from.listReports();
  for (const r of reports) {
    const full = await from.getReport(r.id);
    if (full) await to.addReport({ id: r.id, kind: r.kind, title: r.title, body: full.body });
  }
  out.copied.reports = reports.length;
  await copyExperiments(from, to, batch, out);
  await copyOperator(from, to, out);
  return out;
}

// ---- verification -------------------------------------------------------------------------

/** JSON with object keys sorted at every level (undefined fields left out, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const bytes = (v: Uint8Array | Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const sha = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** One line of a digest; `copied: false` for parts a copy cannot carry (not counted as a difference). */
export interface DigestRow {
  part: string;
  count: number;
  sha256: string;
  copied: boolean;
}

/** A running SHA-256 over records (canonical JSON, one per line) and raw bytes. */
class Hasher {
  private readonly h = createHash('sha256');
  count = 0;
  add(record: unknown, raw?: Uint8Array): void {
    this.h.update(`${canonicalJson(record)}\n`);
    if (raw) this.h.update(raw);
    this.count++;
  }
  row(part: string, copied = true): DigestRow {
    return { part, count: this.count, sha256: this.h.digest('hex'), copied };
  }
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function catalogDigest(store: Store): Promise<DigestRow[]> {
  const rows: DigestRow[] = [];
  const meta = new Hasher();
  // The generated pseudonym key is copied but not compared: a server started on either store makes
  // one when there is none, and a digest is printed, which a secret must not be, even hashed.
  for (const key of COPIED_META_KEYS) {
    if (key === SETTINGS.logKey) continue;
    const value = await store.getMeta(key);
    if (value !== undefined) meta.add([key, value]);
  }
  rows.push(meta.row('meta'));
  const items = new Hasher();
  // text fields keep their order (the text encoder reads them in order): hashed as entries
  for (const it of (await store.allItems()).sort(byId)) items.add({ ...it, text: Object.entries(it.text) });
  rows.push(items.row('items'));
  const users: StoredUser[] = [];
  for await (const page of usersOf(store, 10_000)) users.push(...page);
  const uh = new Hasher();
  for (const u of users.sort(byId)) uh.add(u);
  rows.push(uh.row('users'));
  const fb = new Hasher();
  for (const f of await store.allFeedback()) fb.add(f);
  rows.push(fb.row('feedback'));
  for (const name of await store.vectorModalities()) {
    const m = await store.modalityVectors(name);
    const h = new Hasher();
    if (m) {
      const order = m.ids.map((id, r) => ({ id, r })).sort(byId);
      for (const { id, r } of order)
        h.add([id, m.encoder, m.dim], bytes(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
    }
    rows.push(h.row(`vectors ${name}`));
  }
  return rows;
}

async function modelDigest(store: Store): Promise<{ rows: DigestRow[]; ordinal: Map<number, number> }> {
  const rows: DigestRow[] = [];
  const versions = await store.listModelVersions();
  const ordinal = new Map(versions.map((v, k) => [v.version, k + 1]));
  for (const [k, v] of versions.entries()) {
    const detail = await store.getModelVersion(v.version);
    const ids = await store.modelIds(v.version);
    const h = new Hasher();
    const { name, params, metrics, active } = v;
    h.add({ name, params, metrics, active, report: detail?.report ?? null });
    h.add({ items: ids.items, users: [...ids.users].sort(([, a], [, b]) => a - b) });
    const files = await store.modelFiles(v.version);
    for (const f of files) h.add({ file: f.name, sha256: sha(f.data) });
    const uv = [...(await store.userVectors(v.version))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [user, vector] of uv) h.add({ userVector: user }, bytes(vector));
    rows.push({ ...h.row(`model #${k + 1} ${v.name}`), count: files.length });
  }
  const active = await store.activeModelVersion();
  const a = new Hasher();
  a.add(active === undefined ? null : (ordinal.get(active) ?? `unknown ${active}`));
  rows.push({ ...a.row('active model'), count: active === undefined ? 0 : 1 });
  return { rows, ordinal };
}

async function abDigest(store: Store, ordinal: Map<number, number>): Promise<DigestRow[]> {
  const reports = new Hasher();
  for (const r of await store.listReports()) {
    const full = await store.getReport(r.id);
    reports.add({ id: r.id, kind: r.kind, title: r.title, body: full?.body ?? null });
  }
  const exps = new Hasher();
  const imps = new Hasher();
  const events = new Hasher();
  let impressions = 0;
  let attributed = 0;
  for (const e of (await store.listExperiments()).sort(byId)) {
    const arms = e.arms.map((a) => ({ ...a, version: ordinal.get(a.version) ?? `unknown ${a.version}` }));
    exps.add({ id: e.id, name: e.name, status: e.status, arms });
    const counts = (await store.experimentCounts(e.id)).sort((x, y) =>
      x.arm < y.arm ? -1 : x.arm > y.arm ? 1 : 0,
    );
    for (const c of counts) {
      imps.add([e.id, c.arm, c.impressions]);
      events.add([e.id, c.arm, c.clicks, c.conversions]);
      impressions += c.impressions;
      attributed += c.clicks + c.conversions;
    }
  }
  return [
    reports.row('reports'),
    exps.row('experiments'),
    { ...imps.row('impressions (in experiments)'), count: impressions },
    { ...events.row('attributed events', false), count: attributed },
  ];
}

async function operatorDigest(store: Store): Promise<DigestRow[]> {
  const rules = new Hasher();
  for (const { createdAt: _c, updatedAt: _u, ...r } of (await store.listRules()).sort(byId)) rules.add(r);
  const optOuts = new Hasher();
  for (const u of (await store.optedOutUsers()).sort()) optOuts.add(u);
  const review = new Hasher();
  const rows = (await allReview(store)).sort((a, b) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  for (const r of rows) review.add([r.item, r.status, r.decidedBy ?? null]);
  const audit = new Hasher();
  for (const { actor, action, target, details } of await allAudit(store))
    audit.add({ actor, action, target, details });
  return [rules.row('rules'), optOuts.row('opt-outs'), review.row('review queue'), audit.row('audit log')];
}

/** Counts and checksums of every part of a store (see the module comment). */
export async function storeDigest(store: Store): Promise<DigestRow[]> {
  const catalog = await catalogDigest(store);
  const { rows: models, ordinal } = await modelDigest(store);
  return [...catalog, ...models, ...(await abDigest(store, ordinal)), ...(await operatorDigest(store))];
}

/** One part of two digests side by side. */
export interface DigestComparison {
  part: string;
  source?: DigestRow;
  target?: DigestRow;
  /** 'ok', 'different', or 'not copied' (a part the copy cannot carry; not a failure). */
  status: 'ok' | 'different' | 'not copied';
}

/** Lines up two digests by part; parts present on one side only are different. */
export function compareDigests(
  source: readonly DigestRow[],
  target: readonly DigestRow[],
): DigestComparison[] {
  const parts = [...new Set([...source.map((r) => r.part), ...target.map((r) => r.part)])];
  return parts.map((part) => {
    const s = source.find((r) => r.part === part);
    const t = target.find((r) => r.part === part);
    const same = s !== undefined && t !== undefined && s.count === t.count && s.sha256 === t.sha256;
    const copied = (s ?? t)!.copied;
    const status = same ? 'ok' : copied ? 'different' : 'not copied';
    return { part, ...(s ? { source: s } : {}), ...(t ? { target: t } : {}), status };
  });
}
