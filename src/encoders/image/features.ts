/**
 * @module encoders/image/features
 * Hand-crafted descriptors of a square RGB picture (8-bit, row-major, 3 channels), written into
 * one fixed-size vector of {@link IMAGE_DIMS} values in four blocks of unit (or at most unit)
 * L2 norm — colour histogram, colour layout, edge orientations, texture — then the whole vector
 * is L2-normalised, so no block dominates. Pure and deterministic; the only module state is a
 * read-only sRGB linearisation table.
 */

const HUE_BINS = 8;
const SAT_BINS = 3;
const VAL_BINS = 3;
const GRID = 4;
const ORIENT_BINS = 9;
const LBP_BINS = 10;
const STATS = 8;

/** One block of the image vector. */
export interface ImageBlock {
  name: string;
  offset: number;
  dims: number;
}

/** The blocks in vector order. */
export const IMAGE_LAYOUT: readonly ImageBlock[] = (() => {
  const sizes: [string, number][] = [
    ['hsv-histogram', HUE_BINS * SAT_BINS * VAL_BINS],
    ['lab-layout', GRID * GRID * 3],
    ['edge-orientation', GRID * GRID * ORIENT_BINS],
    ['texture', LBP_BINS + STATS],
  ];
  let offset = 0;
  return sizes.map(([name, dims]) => {
    const b = { name, offset, dims };
    offset += dims;
    return b;
  });
})();

/** Output size: 72 + 48 + 144 + 18 = 282. */
export const IMAGE_DIMS = IMAGE_LAYOUT.reduce((s, b) => s + b.dims, 0);

const SRGB_TO_LINEAR = Float64Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116;
}

/** Scales v[offset, offset+dims) to unit L2 norm, times `weight` (zero stays zero). */
function normalize(v: Float32Array, offset: number, dims: number, weight = 1): void {
  let s = 0;
  for (let i = offset; i < offset + dims; i++) s += v[i]! * v[i]!;
  if (s === 0) return;
  const k = weight / Math.sqrt(s);
  for (let i = offset; i < offset + dims; i++) v[i]! *= k;
}

/** Replaces a non-negative histogram by the square roots of its shares (Hellinger map: unit L2 norm). */
function hellinger(v: Float32Array, offset: number, dims: number, weight = 1): void {
  let s = 0;
  for (let i = offset; i < offset + dims; i++) s += v[i]!;
  if (s <= 0) return;
  for (let i = offset; i < offset + dims; i++) v[i] = weight * Math.sqrt(v[i]! / s);
}

/** Squashes x around a typical value `c` with spread `s` into (−1, 1). */
function squash(x: number, c: number, s: number): number {
  return Math.tanh((x - c) / s);
}

/**
 * Writes the descriptor of `rgb` (size x size x 3 bytes) into `out` (length {@link IMAGE_DIMS},
 * zero-filled). Blocks:
 * - hsv-histogram (72): 8 hue (linear interpolation between circular bins) x 3 saturation x
 *   3 value bins, Hellinger-mapped.
 * - lab-layout (48): the CIE L*a*b* (D65) of each 4x4 grid cell's mean colour (averaged in
 *   linear light), as (L−50)/50, tanh(a/50), tanh(b/50), scaled by 1/4: the block's norm is the RMS over
 *   cells (at most √3, for saturated extremes; typically about 0.5).
 * - edge-orientation (144): HOG-like; central-difference gradients of luminance, magnitude
 *   accumulated into 9 unsigned-orientation bins (linear interpolation) per 4x4 grid cell,
 *   Hellinger-mapped over the whole block (so cells with more edges weigh more).
 * - texture (18): rotation-invariant uniform LBP(8, 1) histogram (10 bins, Hellinger) and 8
 *   statistics squashed into (−1, 1) — luminance mean and standard deviation, log mean gradient,
 *   edge density, colourfulness (Hasler–Süsstrunk), mean saturation, horizontal/vertical edge
 *   balance, luminance entropy — each half scaled to norm ≤ 1/√2.
 */
export function imageFeatures(rgb: Uint8Array, size: number, out: Float32Array): void {
  const n = size * size;
  const lum = new Float64Array(n);
  const [hist, layout, hog, tex] = IMAGE_LAYOUT as [ImageBlock, ImageBlock, ImageBlock, ImageBlock];
  const cellOf = (x: number, y: number): number =>
    Math.floor((y * GRID) / size) * GRID + Math.floor((x * GRID) / size);
  const cellCount = new Float64Array(GRID * GRID);
  const cellRgb = new Float64Array(GRID * GRID * 3);
  let satSum = 0;
  let rgSum = 0;
  let ybSum = 0;
  let rgSq = 0;
  let ybSq = 0;
  for (let y = 0, p = 0; y < size; y++) {
    for (let x = 0; x < size; x++, p++) {
      const r8 = rgb[3 * p]!;
      const g8 = rgb[3 * p + 1]!;
      const b8 = rgb[3 * p + 2]!;
      const r = r8 / 255;
      const g = g8 / 255;
      const b = b8 / 255;
      lum[p] = 0.299 * r + 0.587 * g + 0.114 * b;
      // HSV histogram.
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      const c = max - min;
      const sat = max > 0 ? c / max : 0;
      let hue = 0;
      if (c > 0) {
        if (max === r) hue = ((g - b) / c + 6) % 6;
        else if (max === g) hue = (b - r) / c + 2;
        else hue = (r - g) / c + 4;
      }
      const hpos = (hue / 6) * HUE_BINS - 0.5;
      const h0 = Math.floor(hpos);
      const hw = hpos - h0;
      const sBin = Math.min(SAT_BINS - 1, Math.floor(sat * SAT_BINS));
      const vBin = Math.min(VAL_BINS - 1, Math.floor(max * VAL_BINS));
      const sv = sBin * VAL_BINS + vBin;
      const stride = SAT_BINS * VAL_BINS;
      out[hist.offset + ((h0 + HUE_BINS) % HUE_BINS) * stride + sv]! += 1 - hw;
      out[hist.offset + ((h0 + 1) % HUE_BINS) * stride + sv]! += hw;
      satSum += sat;
      // Colourfulness opponent channels (0-255 scale as in Hasler & Süsstrunk).
      const rg = r8 - g8;
      const yb = 0.5 * (r8 + g8) - b8;
      rgSum += rg;
      ybSum += yb;
      rgSq += rg * rg;
      ybSq += yb * yb;
      // Colour layout: linear-light RGB sums per cell (converted to L*a*b* once per cell).
      const o = 3 * cellOf(x, y);
      cellRgb[o]! += SRGB_TO_LINEAR[r8]!;
      cellRgb[o + 1]! += SRGB_TO_LINEAR[g8]!;
      cellRgb[o + 2]! += SRGB_TO_LINEAR[b8]!;
      cellCount[o / 3]! += 1;
    }
  }
  hellinger(out, hist.offset, hist.dims);
  for (let cell = 0; cell < GRID * GRID; cell++) {
    const count = Math.max(1, cellCount[cell]!);
    const [lr, lg, lb] = [0, 1, 2].map((j) => cellRgb[3 * cell + j]! / count) as [number, number, number];
    const fx = labF((0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047);
    const fy = labF(0.2126 * lr + 0.7152 * lg + 0.0722 * lb);
    const fz = labF((0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883);
    const o = layout.offset + 3 * cell;
    out[o] = (116 * fy - 16 - 50) / 50 / GRID;
    out[o + 1] = Math.tanh((500 * (fx - fy)) / 50) / GRID;
    out[o + 2] = Math.tanh((200 * (fy - fz)) / 50) / GRID;
  }
  textureAndEdges(lum, size, out, hog, tex, cellOf, {
    saturation: satSum / n,
    colourfulness:
      Math.sqrt(Math.max(0, rgSq / n - (rgSum / n) ** 2) + Math.max(0, ybSq / n - (ybSum / n) ** 2)) +
      0.3 * Math.sqrt((rgSum / n) ** 2 + (ybSum / n) ** 2),
  });
  normalize(out, 0, out.length);
}

/** Gradient (HOG) block, then LBP histogram and global statistics (texture block). */
function textureAndEdges(
  lum: Float64Array,
  size: number,
  out: Float32Array,
  hog: ImageBlock,
  tex: ImageBlock,
  cellOf: (x: number, y: number) => number,
  colour: { saturation: number; colourfulness: number },
): void {
  const n = size * size;
  // Luminance with a one-pixel replicated border, so neighbours need no bounds checks.
  const w = size + 2;
  const pad = new Float64Array(w * w);
  for (let y = -1; y <= size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y));
    for (let x = -1; x <= size; x++)
      pad[(y + 1) * w + x + 1] = lum[sy * size + Math.min(size - 1, Math.max(0, x))]!;
  }
  // The 8 neighbours in circular order (LBP ring).
  const ring = [-w - 1, -w, -w + 1, 1, w + 1, w, w - 1, -1];
  let lumSum = 0;
  let lumSq = 0;
  let gradSum = 0;
  let edges = 0;
  let absX = 0;
  let absY = 0;
  const levels = new Float64Array(16);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const q = (y + 1) * w + x + 1;
      const v = pad[q]!;
      lumSum += v;
      lumSq += v * v;
      levels[Math.min(15, Math.floor(v * 16))]! += 1;
      const gx = (pad[q + 1]! - pad[q - 1]!) / 2;
      const gy = (pad[q + w]! - pad[q - w]!) / 2;
      const mag = Math.sqrt(gx * gx + gy * gy);
      gradSum += mag;
      absX += Math.abs(gx);
      absY += Math.abs(gy);
      if (mag > 0.05) edges++;
      if (mag > 0) {
        let theta = Math.atan2(gy, gx);
        if (theta < 0) theta += Math.PI;
        const pos = (theta / Math.PI) * ORIENT_BINS - 0.5;
        const b0 = Math.floor(pos);
        const f = pos - b0;
        const o = hog.offset + cellOf(x, y) * ORIENT_BINS;
        out[o + ((b0 + ORIENT_BINS) % ORIENT_BINS)]! += mag * (1 - f);
        out[o + ((b0 + 1) % ORIENT_BINS)]! += mag * f;
      }
      // Rotation-invariant uniform LBP(8, 1) on interior pixels: the number of neighbours ≥ the
      // centre when the circular pattern has at most 2 transitions, else bin 9.
      if (x > 0 && y > 0 && x < size - 1 && y < size - 1) {
        let ones = 0;
        let transitions = 0;
        let prev = pad[q + ring[7]!]! >= v;
        for (let i = 0; i < 8; i++) {
          const bit = pad[q + ring[i]!]! >= v;
          if (bit) ones++;
          if (bit !== prev) transitions++;
          prev = bit;
        }
        out[tex.offset + (transitions <= 2 ? ones : 9)]! += 1;
      }
    }
  }
  hellinger(out, hog.offset, hog.dims);
  hellinger(out, tex.offset, LBP_BINS, Math.SQRT1_2);
  const mean = lumSum / n;
  let entropy = 0;
  for (const c of levels) if (c > 0) entropy -= (c / n) * Math.log2(c / n);
  const stats = [
    squash(mean, 0.5, 0.25),
    squash(Math.sqrt(Math.max(0, lumSq / n - mean * mean)), 0.2, 0.1),
    squash(Math.log(gradSum / n + 1e-3), Math.log(0.03), 1),
    squash(edges / n, 0.2, 0.2),
    squash(colour.colourfulness, 40, 30),
    squash(colour.saturation, 0.35, 0.25),
    absX + absY > 0 ? (absX - absY) / (absX + absY) : 0,
    squash(entropy / 4, 0.7, 0.2),
  ];
  const k = Math.SQRT1_2 / Math.sqrt(STATS);
  stats.forEach((s, i) => {
    out[tex.offset + LBP_BINS + i] = s * k;
  });
}
