import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

describe('kernels-wasm.ts', () => {
  it('is up to date with kernels.wat (regenerate: npm run build:wasm)', async () => {
    const wabt = await wabtInit();
    const source = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
    const mod = wabt.parseWat('kernels.wat', source, { simd: true, threads: true });
    const { buffer } = mod.toBinary({});
    mod.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(KERNELS_WASM_BASE64);
  });
});
