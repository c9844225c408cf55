/**
 * @module demo/world
 * The latent model behind the demo catalog, without any I/O: items (style, quality, release
 * time, price), users (style preferences, activity) and the feedback events they produce.
 * The newest items get no feedback at all (cold start): events end before they are released.
 */
import type { FeedbackEvent } from '../data/types.js';
import type { Rng } from '../util/rng.js';
import { clamp, cumulative, gamma, logNormal, sampleCumulative, uniform } from './random.js';
import type { Style } from './styles.js';

/** First possible release time (2019-01-01T00:00:00Z). */
export const START_TIME = 1546300800;
/** Last possible release time (2024-07-01T00:00:00Z). */
export const END_TIME = 1719792000;

/** One latent item. */
export interface WorldItem {
  id: string;
  style: number;
  /** Popularity / quality factor (log-normal, mean about 1.4). */
  quality: number;
  timestamp: number;
  price: number;
  year: number;
  cold: boolean;
  /** Seed of the item's own random stream for its image and audio. */
  mediaSeed: number;
}

/** One latent user. */
export interface WorldUser {
  id: string;
  /** Probability of each style (sums to 1). */
  prefs: number[];
  /** Indices of the 1-2 favourite styles. */
  favourites: number[];
  /** Number of distinct items the user interacts with. */
  activity: number;
  segment: string;
}

/** Everything the generator writes, before encoding. */
export interface World {
  items: WorldItem[];
  users: WorldUser[];
  events: FeedbackEvent[];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function makeItems(rng: Rng, styles: readonly Style[], n: number, coldFraction: number): WorldItem[] {
  const styleCum = cumulative(styles.map(() => gamma(rng, 4)));
  const times = Array.from({ length: n }, () => Math.floor(uniform(rng, START_TIME, END_TIME)));
  times.sort((a, b) => a - b);
  const nCold = Math.min(n - 1, Math.round(n * coldFraction));
  const width = Math.max(4, String(n).length);
  return times.map((timestamp, i) => {
    const style = sampleCumulative(rng, styleCum);
    const priceBase = styles[style]?.priceBase ?? 10;
    return {
      id: `item-${pad(i + 1, width)}`,
      style,
      quality: logNormal(rng, 0, 0.8),
      timestamp,
      price: Math.max(0.5, Math.round(priceBase * logNormal(rng, 0, 0.25) * 2) / 2),
      year: new Date(timestamp * 1000).getUTCFullYear(),
      cold: i >= n - nCold,
      mediaSeed: rng.nextU32(),
    };
  });
}

function makeUsers(rng: Rng, warmPerStyle: readonly number[], n: number): WorldUser[] {
  const nStyles = warmPerStyle.length;
  const width = Math.max(4, String(n).length);
  const users: WorldUser[] = [];
  for (let u = 0; u < n; u++) {
    const nFav = nStyles > 1 && rng.next() >= 0.55 ? 2 : 1;
    const favourites = rng.shuffle(Array.from({ length: nStyles }, (_, i) => i)).slice(0, nFav);
    const favMass = nStyles === nFav ? 1 : uniform(rng, 0.8, 0.95);
    const raw = Array.from({ length: nStyles }, (_, s) =>
      favourites.includes(s) ? gamma(rng, 4) : gamma(rng, 0.3),
    );
    let favSum = 0;
    let otherSum = 0;
    raw.forEach((w, s) => {
      if (favourites.includes(s)) favSum += w;
      else otherSum += w;
    });
    const prefs = raw.map((w, s) =>
      favourites.includes(s) ? (w / favSum) * favMass : otherSum > 0 ? (w / otherSum) * (1 - favMass) : 0,
    );
    // Capped by what the favourite styles can supply, so heavy users do not spill over.
    const supply = favourites.reduce((a, s) => a + (warmPerStyle[s] ?? 0), 0);
    const cap = Math.max(5, Math.min(400, Math.floor(0.5 * supply)));
    const activity = Math.min(cap, 5 + Math.floor(logNormal(rng, Math.log(9) - 0.5, 1)));
    const segment = activity < 8 ? 'casual' : activity < 20 ? 'regular' : 'enthusiast';
    users.push({ id: `user-${pad(u + 1, width)}`, prefs, favourites, activity, segment });
  }
  return users;
}

interface Draft extends FeedbackEvent {
  order: number;
}

function makeEvents(
  rng: Rng,
  nStyles: number,
  items: readonly WorldItem[],
  users: readonly WorldUser[],
): FeedbackEvent[] {
  const warm = items.filter((it) => !it.cold);
  const firstCold = items.find((it) => it.cold);
  const endTime = firstCold === undefined ? END_TIME + 30 * 86400 : firstCold.timestamp - 1;
  const globalCum = cumulative(warm.map((it) => it.quality));
  const byStyle = Array.from({ length: nStyles }, (_, s) => warm.filter((it) => it.style === s));
  const styleCums = byStyle.map((list) => cumulative(list.map((it) => it.quality)));
  const drafts: Draft[] = [];
  const emit = (user: string, item: string, type: string, value: number, timestamp: number): void => {
    drafts.push({ user, item, type, value, timestamp, order: drafts.length });
  };
  for (const user of users) {
    const prefCum = cumulative(user.prefs);
    const maxPref = Math.max(...user.prefs);
    const seen = new Set<string>();
    for (let attempt = 0; seen.size < user.activity && attempt < user.activity * 30; attempt++) {
      let item: WorldItem | undefined;
      if (rng.next() >= 0.05) {
        const s = sampleCumulative(rng, prefCum);
        const list = byStyle[s];
        if (list !== undefined && list.length > 0) item = list[sampleCumulative(rng, styleCums[s]!)];
      }
      item ??= warm[sampleCumulative(rng, globalCum)];
      if (item === undefined || seen.has(item.id)) continue;
      seen.add(item.id);
      const affinity =
        0.7 * ((user.prefs[item.style] ?? 0) / maxPref) + 0.3 * (item.quality / (1 + item.quality));
      const t = Math.floor(item.timestamp + rng.next() * (endTime - item.timestamp));
      const later = (): number => Math.min(endTime, t + Math.floor(uniform(rng, 60, 3 * 86400)));
      emit(user.id, item.id, 'click', 1, t);
      if (rng.next() < 0.15 + 0.35 * affinity) emit(user.id, item.id, 'like', 1, later());
      if (rng.next() < 0.05 + 0.15 * affinity) emit(user.id, item.id, 'purchase', 1, later());
      if (rng.next() < 0.2) {
        const value = clamp(Math.round(1 + 4 * affinity + 0.8 * rng.normal()), 1, 5);
        emit(user.id, item.id, 'rating', value, later());
      }
    }
  }
  drafts.sort((a, b) => a.timestamp - b.timestamp || a.order - b.order);
  return drafts.map(({ user, item, type, value, timestamp }) => ({ user, item, type, value, timestamp }));
}

/**
 * Draws the whole latent world: `nItems` items in release order (ids follow release time, the
 * newest `coldFraction` of them cold), `nUsers` users and their feedback, sorted by time.
 */
export function buildWorld(
  rng: Rng,
  styles: readonly Style[],
  nItems: number,
  nUsers: number,
  coldFraction: number,
): World {
  const items = makeItems(rng.fork(), styles, nItems, coldFraction);
  const warmPerStyle = styles.map((_, s) => items.filter((it) => !it.cold && it.style === s).length);
  const users = makeUsers(rng.fork(), warmPerStyle, nUsers);
  const events = makeEvents(rng.fork(), styles.length, items, users);
  return { items, users, events };
}
