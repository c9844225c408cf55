/**
 * @module demo/image
 * Renders one demo item's picture: the style's pattern (stripes, dots, gradient or checker at
 * the style's orientation) in the style's palette, with item-level jitter in colour, phase,
 * scale and angle, an accent disc, and a little pixel noise. Encoded as an RGB PNG.
 */
import { PNG } from 'pngjs';
import type { Rng } from '../util/rng.js';
import { clamp, uniform } from './random.js';
import type { Rgb, Style } from './styles.js';

function jitter(rng: Rng, c: Rgb, amount: number): Rgb {
  return [
    clamp(c[0] + uniform(rng, -amount, amount), 0, 255),
    clamp(c[1] + uniform(rng, -amount, amount), 0, 255),
    clamp(c[2] + uniform(rng, -amount, amount), 0, 255),
  ];
}

function frac(x: number): number {
  return x - Math.floor(x);
}

/** Foreground weight in [0, 1] of the pattern at rotated coordinates (u, v), in periods. */
function patternWeight(kind: Style['pattern'], u: number, v: number, t: number): number {
  switch (kind) {
    case 'stripes':
      return frac(u) < 0.5 ? 1 : 0;
    case 'dots': {
      const du = frac(u) - 0.5;
      const dv = frac(v) - 0.5;
      return du * du + dv * dv < 0.09 ? 1 : 0;
    }
    case 'gradient':
      return t;
    case 'checker':
      return (Math.floor(u) + Math.floor(v)) & 1;
  }
}

/** Raw RGBA pixels (size x size) of one item of `style`; `rng` supplies the item's own noise. */
export function renderPixels(style: Style, rng: Rng, size: number): Buffer {
  const bg = jitter(rng, style.palette[0], 18);
  const fg = jitter(rng, style.palette[1], 18);
  const accent = jitter(rng, style.palette[2], 25);
  const angle = style.angle + uniform(rng, -0.2, 0.2);
  const period = style.period * uniform(rng, 0.8, 1.25) * size;
  const phaseU = rng.next();
  const phaseV = rng.next();
  const ax = uniform(rng, 0.2, 0.8) * size;
  const ay = uniform(rng, 0.2, 0.8) * size;
  const ar2 = (uniform(rng, 0.06, 0.16) * size) ** 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const half = size / 2;
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x - half;
      const py = y - half;
      const ru = px * cos + py * sin;
      const rv = -px * sin + py * cos;
      const t = clamp(ru / size + 0.5, 0, 1);
      const w = patternWeight(style.pattern, ru / period + phaseU, rv / period + phaseV, t);
      const inAccent = (x - ax) ** 2 + (y - ay) ** 2 < ar2;
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const base = inAccent ? accent[c]! : bg[c]! * (1 - w) + fg[c]! * w;
        data[o + c] = clamp(Math.round(base + (rng.next() - 0.5) * 16), 0, 255);
      }
      data[o + 3] = 255;
    }
  }
  return data;
}

/** PNG bytes (8-bit RGB, no alpha) of one item's picture. */
export function renderImage(style: Style, rng: Rng, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  png.data = renderPixels(style, rng, size);
  return PNG.sync.write(png, { colorType: 2, inputHasAlpha: true });
}
