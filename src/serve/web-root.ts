/**
 * @module serve/web-root
 * Where the built dashboard lives by default: `dist/web` of the fusionrec package itself (this
 * module is `src/serve/web-root.ts` in a checkout and `dist/serve/web-root.js` once built, two
 * folders below the package root either way), so the server finds it whatever the current
 * directory is.
 */
import { fileURLToPath } from 'node:url';

/** `<package root>/dist/web`. */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../dist/web', import.meta.url));
}
