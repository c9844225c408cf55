/**
 * @module rerank
 * Re-ranking stages over a scored candidate list (diversity, calibration, popularity correction,
 * exposure fairness) and the spec parser that composes them.
 */
export * from './calibration.js';
export * from './exposure.js';
export * from './groups.js';
export * from './mmr.js';
export * from './pipeline.js';
export * from './popularity.js';
export type * from './types.js';
