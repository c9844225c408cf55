/**
 * @module eval/metrics
 * The evaluation metrics: per-user ranking metrics and AUC, rating errors, binary
 * classification metrics, beyond-accuracy list metrics, and the distribution functions the
 * significance tests use.
 */

export * from './beyond.js';
export * from './classification.js';
export * from './distributions.js';
export * from './ranking.js';
export * from './rating.js';
