/**
 * @module demo/text
 * Titles and descriptions for demo items: words of the item's style mixed with filler words
 * every style shares and a few words of other styles, so text predicts the style, noisily.
 */
import type { Rng } from '../util/rng.js';
import { pick } from './random.js';
import type { Style } from './styles.js';

const TITLE_FILLER = [
  'blue',
  'night',
  'river',
  'gold',
  'echo',
  'city',
  'summer',
  'little',
  'wild',
  'silver',
  'morning',
  'shadow',
  'paper',
  'stone',
  'golden',
  'lucky',
  'hidden',
  'open',
  'second',
  'last',
];

const FILLER = [
  'a',
  'the',
  'with',
  'and',
  'of',
  'for',
  'in',
  'from',
  'this',
  'that',
  'new',
  'classic',
  'collection',
  'edition',
  'release',
  'track',
  'record',
  'sound',
  'feel',
  'made',
  'fans',
  'great',
  'quality',
  'original',
  'series',
  'favourite',
  'style',
  'mood',
  'live',
  'studio',
  'version',
  'remastered',
  'limited',
  'special',
  'perfect',
  'everyday',
  'listening',
  'artist',
  'album',
  'mix',
];

/** Probability that a description word comes from the item's own style vocabulary. */
const OWN_WORD = 0.3;
/** Probability that a description word comes from another style's vocabulary. */
const OTHER_WORD = 0.08;

function capitalize(w: string): string {
  return w.length === 0 ? w : w[0]!.toUpperCase() + w.slice(1);
}

/** Text fields of one item of `style` (`styles` supplies the other styles' words). */
export function makeText(
  rng: Rng,
  style: Style,
  styles: readonly Style[],
): { title: string; description: string } {
  const titleLen = 2 + rng.int(2);
  const title: string[] = [];
  for (let i = 0; i < titleLen; i++) {
    title.push(capitalize(rng.next() < 0.6 ? pick(rng, style.vocabulary) : pick(rng, TITLE_FILLER)));
  }
  const descLen = 10 + rng.int(9);
  const desc: string[] = [];
  for (let i = 0; i < descLen; i++) {
    const r = rng.next();
    if (r < OWN_WORD) desc.push(pick(rng, style.vocabulary));
    else if (r < OWN_WORD + OTHER_WORD && styles.length > 1)
      desc.push(pick(rng, pick(rng, styles).vocabulary));
    else desc.push(pick(rng, FILLER));
  }
  return { title: title.join(' '), description: `${capitalize(desc.join(' '))}.` };
}
