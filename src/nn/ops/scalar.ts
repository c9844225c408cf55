/**
 * @module nn/ops/scalar
 * Scalar helpers the autograd ops share: numerically stable softplus and sigmoid, GELU's constant,
 * and in-place accumulation of a gradient buffer.
 */

export const SQRT_2_PI = Math.sqrt(2 / Math.PI);

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^-x) without overflow. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** dst += src, element-wise. */
export function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < src.length; i++) dst[i]! += src[i]!;
}
