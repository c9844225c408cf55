#!/usr/bin/env node
// Compiles src/math/wasm/*.wat into src/math/wasm/*-wasm.ts (base64 modules), so that the package
// needs no WebAssembly toolchain at install or run time. `--check` fails when a generated file is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';

const dir = new URL('../src/math/wasm/', import.meta.url).pathname;
const check = process.argv.includes('--check');
const wabt = await wabtInit();
let stale = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.wat'))) {
  const src = readFileSync(join(dir, f), 'utf8');
  const mod = wabt.parseWat(f, src, { simd: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  const name = f.replace(/\.wat$/, '');
  const out = join(dir, `${name}-wasm.ts`);
  const text = `/**\n * @module math/wasm/${name}-wasm\n * Generated from ${f} by scripts/build-wasm.mjs: do not edit.\n */\nexport const WASM_BASE64 =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {}
  if (old !== text) {
    stale++;
    if (!check) writeFileSync(out, text);
  }
  console.log(`${f}: ${buffer.length} bytes${old === text ? '' : check ? ' (STALE)' : ' (written)'}`);
}
if (check && stale > 0) process.exit(1);
