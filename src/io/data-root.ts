/**
 * @module io/data-root
 * Where the shared datasets live: `$FUSIONREC_DATA`, or `../shared/data` next to the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settings } from '../config/runtime.js';

/** The repository root: the nearest folder above this module holding a package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** The data root: the `dataRoot` setting (FUSIONREC_DATA), else `<repoRoot>/../shared/data`. */
export function dataRoot(): string {
  return settings().dataRoot ?? resolve(repoRoot(), '../shared/data');
}

/** Whether the dataset folder (or file) `name` exists under the data root. */
export function hasDataset(name: string): boolean {
  return existsSync(join(dataRoot(), name));
}

/** Absolute path of `name` under the data root (whether or not it exists). */
export function datasetPath(...parts: string[]): string {
  return join(dataRoot(), ...parts);
}
