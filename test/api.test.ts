/** The README's library example, through the public entry point. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as fusionrec from '../src/index.js';

it('runs the README library example through the public API', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusionrec-api-'));
  try {
    await fusionrec.generateDemo(join(dir, 'shop'), { items: 60, users: 80, seed: 2 });
    const ds = await fusionrec.loadDataset(`catalog:${join(dir, 'shop')}`);
    const result = await fusionrec.runExperiment(ds, { models: [{ name: 'popularity' }], seed: 42 });
    expect(fusionrec.formatExperiment(result)).toContain('popularity');
    expect(result.results[0]!.metrics['recall@20']).toBeGreaterThan(0);
    expect(fusionrec.modelNames()).toContain('popularity');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
