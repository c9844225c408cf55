/**
 * @module demo
 * Public entry of the built-in demo catalog generator.
 */
export type { DemoOptions, DemoParams, DemoStats, DemoSummary } from './generate.js';
export { ensureDemo, generateDemo, resolveDemoParams } from './generate.js';
