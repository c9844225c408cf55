/**
 * Vite config of the dashboard (web/): builds into dist/web, which `fusionrec serve` serves at `/`.
 * `npx vite --config web/vite.config.ts` runs it in development against a server on
 * FUSIONREC_URL (default http://127.0.0.1:8087), proxying the API paths.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.FUSIONREC_URL ?? 'http://127.0.0.1:8087';

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/v1': target,
      '/metrics': target,
      '/openapi.json': target,
    },
  },
});
