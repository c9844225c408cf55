#!/usr/bin/env node
// Compiles kernels.wat (next to this file) into kernels-wasm.ts (a base64 module), so that the package
// needs no WebAssembly toolchain at install or run time. Needs the `wabt` dev dependency.
// `--check` fails when the generated file is stale. Mirrors models/lightgcn/build-kernels.mjs (shared
// memory, so the threads feature is on).
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const wat = new URL('./kernels.wat', import.meta.url);
const out = new URL('./kernels-wasm.ts', import.meta.url);
const wabt = await wabtInit();
const mod = wabt.parseWat('kernels.wat', readFileSync(wat, 'utf8'), { simd: true, threads: true });
const { buffer } = mod.toBinary({});
new WebAssembly.Module(buffer); // validates with the runtime's own feature set
mod.destroy();
const text = `/**\n * @module models/freedom/kernels-wasm\n * Generated from kernels.wat by src/models/freedom/build-kernels.mjs: do not edit.\n */\nexport const FREEDOM_KERNELS_WASM_BASE64 =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
let old = '';
try {
  old = readFileSync(out, 'utf8');
} catch {}
const stale = old !== text;
if (stale && !process.argv.includes('--check')) writeFileSync(out, text);
console.log(
  `kernels.wat: ${buffer.length} bytes${stale ? (process.argv.includes('--check') ? ' (STALE)' : ' (written)') : ''}`,
);
if (stale && process.argv.includes('--check')) process.exit(1);
