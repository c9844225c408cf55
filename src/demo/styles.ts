/**
 * @module demo/styles
 * The latent "styles" the demo catalog is drawn from. Each style fixes a colour palette and a
 * visual pattern (for images), a vocabulary (for text) and a sound signature (for audio), so
 * that every modality carries a noisy signal of the style, and users prefer styles.
 */
import type { Rng } from '../util/rng.js';
import { uniform } from './random.js';

/** An RGB colour, each channel 0-255. */
export type Rgb = readonly [number, number, number];

/** The visual pattern family of a style's images. */
export type PatternKind = 'stripes' | 'dots' | 'gradient' | 'checker';

/** One latent style: what its items look, read and sound like. */
export interface Style {
  index: number;
  name: string;
  /** Coarse group several styles share (second category of an item). */
  group: string;
  /** Background, foreground and accent colours. */
  palette: readonly [Rgb, Rgb, Rgb];
  pattern: PatternKind;
  /** Pattern orientation in radians. */
  angle: number;
  /** Pattern period as a fraction of the image side. */
  period: number;
  vocabulary: readonly string[];
  /** Base pitch in Hz. */
  pitch: number;
  /** Number of harmonics (1 = pure tone). */
  harmonics: number;
  /** Amplitude ratio between successive harmonics (timbre brightness). */
  rolloff: number;
  /** Only odd harmonics (hollow, clarinet-like) instead of all. */
  oddOnly: boolean;
  /** Pulses (note onsets) per second. */
  pulseRate: number;
  /** White-noise level relative to the tone. */
  noise: number;
  /** Typical price of an item of this style. */
  priceBase: number;
}

interface StyleSeed {
  name: string;
  group: string;
  words: string[];
}

const NAMED: readonly StyleSeed[] = [
  {
    name: 'ambient',
    group: 'electronic',
    words: ['drift', 'haze', 'calm', 'ether', 'horizon', 'glow', 'mist', 'slow', 'space', 'tide'],
  },
  {
    name: 'punk',
    group: 'rock',
    words: ['riot', 'loud', 'rebel', 'spike', 'noise', 'garage', 'fast', 'anger', 'street', 'torn'],
  },
  {
    name: 'jazz',
    group: 'acoustic',
    words: ['swing', 'blue', 'smoky', 'brass', 'improv', 'lounge', 'velvet', 'bebop', 'cool', 'trio'],
  },
  {
    name: 'classical',
    group: 'acoustic',
    words: [
      'sonata',
      'strings',
      'opus',
      'grand',
      'symphony',
      'elegant',
      'baroque',
      'adagio',
      'orchestral',
      'noble',
    ],
  },
  {
    name: 'techno',
    group: 'electronic',
    words: ['pulse', 'machine', 'circuit', 'bass', 'neon', 'loop', 'warehouse', 'synthetic', 'drive', 'grid'],
  },
  {
    name: 'folk',
    group: 'acoustic',
    words: ['meadow', 'banjo', 'story', 'village', 'harvest', 'wooden', 'ballad', 'hearth', 'rustic', 'road'],
  },
  {
    name: 'metal',
    group: 'rock',
    words: ['iron', 'thunder', 'steel', 'dark', 'forge', 'heavy', 'blade', 'storm', 'doom', 'roar'],
  },
  {
    name: 'reggae',
    group: 'groove',
    words: ['island', 'sunny', 'roots', 'skank', 'dub', 'easy', 'palm', 'rhythm', 'vibe', 'breeze'],
  },
  {
    name: 'hiphop',
    group: 'groove',
    words: ['rhyme', 'beat', 'block', 'flow', 'crew', 'sample', 'vinyl', 'cipher', 'verse', 'boom'],
  },
  {
    name: 'blues',
    group: 'acoustic',
    words: [
      'delta',
      'sorrow',
      'slide',
      'whiskey',
      'crossroads',
      'lonesome',
      'harmonica',
      'train',
      'moan',
      'muddy',
    ],
  },
  {
    name: 'disco',
    group: 'electronic',
    words: ['glitter', 'dance', 'mirror', 'funky', 'groove', 'sparkle', 'night', 'strut', 'fever', 'shine'],
  },
  {
    name: 'soul',
    group: 'groove',
    words: ['heart', 'gospel', 'warm', 'sweet', 'tender', 'devotion', 'honey', 'deep', 'spirit', 'silk'],
  },
];

const PATTERNS: readonly PatternKind[] = ['stripes', 'dots', 'gradient', 'checker'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'zu', 'pe', 'qua', 'dri', 'xo', 'fen'];

/** HSV (each in [0, 1]) to RGB bytes. */
export function hsv(h: number, s: number, v: number): Rgb {
  const hh = (((h % 1) + 1) % 1) * 6;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const table: [number, number, number][] = [
    [v, p, q],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, t, p],
  ];
  const [r, g, b] = table[i % 6] ?? [v, v, v];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

function inventedSeed(rng: Rng, index: number): StyleSeed {
  const words: string[] = [];
  while (words.length < 10) {
    const n = 2 + rng.int(2);
    let w = '';
    for (let k = 0; k < n; k++) w += SYLLABLES[rng.int(SYLLABLES.length)];
    if (!words.includes(w)) words.push(w);
  }
  return { name: `style-${index + 1}`, group: `group-${(index % 4) + 1}`, words };
}

/**
 * Draws `n` distinct styles. The first 12 carry genre names; beyond that names are invented.
 * Hues are spread evenly around the colour wheel and pitches log-evenly over 110-880 Hz (in a
 * shuffled order), so styles differ clearly in colour and sound.
 */
export function makeStyles(n: number, rng: Rng): Style[] {
  const hueOffset = rng.next();
  const pitchOrder = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const styles: Style[] = [];
  for (let i = 0; i < n; i++) {
    const seed = NAMED[i] ?? inventedSeed(rng, i);
    const h = hueOffset + i / n + uniform(rng, -0.15, 0.15) / n;
    const rank = pitchOrder[i] ?? i;
    styles.push({
      index: i,
      name: seed.name,
      group: seed.group,
      palette: [
        hsv(h, uniform(rng, 0.4, 0.7), uniform(rng, 0.2, 0.45)),
        hsv(h + 0.04, uniform(rng, 0.6, 0.95), uniform(rng, 0.75, 1)),
        hsv(h + 0.5, uniform(rng, 0.5, 0.9), uniform(rng, 0.6, 0.95)),
      ],
      pattern: PATTERNS[i % PATTERNS.length] ?? 'stripes',
      angle: rng.next() * Math.PI,
      period: uniform(rng, 0.1, 0.3),
      vocabulary: seed.words,
      pitch: 110 * 2 ** ((3 * rank) / Math.max(1, n - 1)),
      harmonics: 1 + rng.int(6),
      rolloff: uniform(rng, 0.3, 0.7),
      oddOnly: rng.next() < 0.5,
      pulseRate: uniform(rng, 1, 8),
      noise: uniform(rng, 0, 0.12),
      priceBase: Math.round(uniform(rng, 5, 60)),
    });
  }
  return styles;
}
