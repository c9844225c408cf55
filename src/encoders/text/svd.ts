/**
 * @module encoders/text/svd
 * Seeded randomised truncated SVD of a sparse matrix (Halko, Martinsson & Tropp 2011, algorithm
 * 4.4 with power iterations): a Gaussian sketch, QR re-orthonormalisation after each pass, then
 * the exact SVD of the small projected matrix through the eigen-decomposition (cyclic Jacobi) of
 * its l x l Gram matrix. Returns the top-k right singular vectors (LSA's term components), with
 * the sign fixed so that each component's largest-magnitude entry is positive.
 */
import { Rng } from '../../util/rng.js';

/** A sparse matrix in CSR form. */
export interface Csr {
  nRows: number;
  nCols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Options of {@link randomizedSvd}. */
export interface SvdOptions {
  seed: number;
  /** Extra sketch columns beyond k (default 10). */
  oversample?: number;
  /** Power iterations (default 1). */
  powerIterations?: number;
}

/** The top-k right singular vectors (k x nCols, row-major) and singular values. */
export interface SvdResult {
  components: Float32Array;
  singular: Float64Array;
}

/** Y (rows x l) = A X, with X (cols x l) row-major. */
function times(a: Csr, x: Float64Array, l: number): Float64Array {
  const y = new Float64Array(a.nRows * l);
  for (let r = 0; r < a.nRows; r++) {
    const yo = r * l;
    for (let p = a.indptr[r]!; p < a.indptr[r + 1]!; p++) {
      const v = a.values[p]!;
      const xo = a.indices[p]! * l;
      for (let j = 0; j < l; j++) y[yo + j]! += v * x[xo + j]!;
    }
  }
  return y;
}

/** Z (cols x l) = A^T Y, with Y (rows x l) row-major. */
function timesT(a: Csr, y: Float64Array, l: number): Float64Array {
  const z = new Float64Array(a.nCols * l);
  for (let r = 0; r < a.nRows; r++) {
    const yo = r * l;
    for (let p = a.indptr[r]!; p < a.indptr[r + 1]!; p++) {
      const v = a.values[p]!;
      const zo = a.indices[p]! * l;
      for (let j = 0; j < l; j++) z[zo + j]! += v * y[yo + j]!;
    }
  }
  return z;
}

/** Orthonormalises the columns of row-major m (n x l) in place (modified Gram-Schmidt, twice). */
function orthonormalize(m: Float64Array, n: number, l: number): void {
  const cols = Array.from({ length: l }, (_, j) => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = m[i * l + j]!;
    return c;
  });
  for (let j = 0; j < l; j++) {
    const c = cols[j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < j; q++) {
        const o = cols[q]!;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += c[i]! * o[i]!;
        for (let i = 0; i < n; i++) c[i]! -= dot * o[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += c[i]! * c[i]!;
    norm = Math.sqrt(norm);
    // A rank-deficient column becomes zero (it then contributes a zero singular value).
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let i = 0; i < n; i++) c[i]! *= inv;
  }
  for (let j = 0; j < l; j++) {
    const c = cols[j]!;
    for (let i = 0; i < n; i++) m[i * l + j] = c[i]!;
  }
}

/** Eigen-decomposition of symmetric s (l x l, row-major): eigenvalues descending, vectors as columns. */
export function symmetricEigen(s: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(s);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += a[p * l + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * l + q]! - a[p * l + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p]!;
          const akq = a[k * l + q]!;
          a[k * l + p] = c * akp - sn * akq;
          a[k * l + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k]!;
          const aqk = a[q * l + k]!;
          a[p * l + k] = c * apk - sn * aqk;
          a[q * l + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p]!;
          const vkq = v[k * l + q]!;
          v[k * l + p] = c * vkp - sn * vkq;
          v[k * l + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((x, y) => a[y * l + y]! - a[x * l + x]! || x - y);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l);
  order.forEach((src, dst) => {
    values[dst] = a[src * l + src]!;
    for (let k = 0; k < l; k++) vectors[k * l + dst] = v[k * l + src]!;
  });
  return { values, vectors };
}

/** The top-`k` right singular vectors of `a` (rows beyond the rank are zero). */
export function randomizedSvd(a: Csr, k: number, options: SvdOptions): SvdResult {
  const l = Math.max(1, Math.min(k + (options.oversample ?? 10), a.nRows, a.nCols));
  const rng = new Rng(options.seed);
  const omega = new Float64Array(a.nCols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let y = times(a, omega, l);
  orthonormalize(y, a.nRows, l);
  // Subspace iteration on A A^T, re-orthonormalising on the row side after each pass.
  for (let it = 0; it < (options.powerIterations ?? 1); it++) {
    y = times(a, timesT(a, y, l), l);
    orthonormalize(y, a.nRows, l);
  }
  const bt = timesT(a, y, l); // B^T = A^T Q, cols x l
  const gram = new Float64Array(l * l);
  for (let f = 0; f < a.nCols; f++) {
    const o = f * l;
    for (let i = 0; i < l; i++) {
      const bi = bt[o + i]!;
      if (bi === 0) continue;
      for (let j = 0; j < l; j++) gram[i * l + j]! += bi * bt[o + j]!;
    }
  }
  const { values, vectors } = symmetricEigen(gram, l);
  const components = new Float32Array(k * a.nCols);
  const singular = new Float64Array(k);
  const top = Math.sqrt(Math.max(values[0] ?? 0, 0));
  for (let c = 0; c < Math.min(k, l); c++) {
    const sigma = Math.sqrt(Math.max(values[c]!, 0));
    if (sigma <= 1e-9 * top || sigma === 0) continue;
    singular[c] = sigma;
    const row = new Float64Array(a.nCols);
    let best = 0;
    for (let f = 0; f < a.nCols; f++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += bt[f * l + i]! * vectors[i * l + c]!;
      row[f] = s / sigma;
      if (Math.abs(row[f]!) > Math.abs(best)) best = row[f]!;
    }
    const sign = best < 0 ? -1 : 1;
    for (let f = 0; f < a.nCols; f++) components[c * a.nCols + f] = sign * row[f]!;
  }
  return { components, singular };
}
