#!/usr/bin/env node
// Compiles the project's WebAssembly text kernels into TypeScript modules holding them as base64,
// so that the package needs no WebAssembly toolchain at install or run time:
//   src/math/wasm/*.wat        -> src/math/wasm/*-wasm.ts          (SIMD; export WASM_BASE64)
//   src/models/lightgcn/kernels.wat -> kernels-wasm.ts             (SIMD + threads: a shared memory)
//   src/models/freedom/kernels.wat  -> kernels-wasm.ts             (SIMD + threads: a shared memory)
//   src/models/vbpr/kernels.wat     -> kernels-wasm.ts             (SIMD + threads: a shared memory)
// `--check` writes nothing and fails when a generated file is stale (part of `npm test`).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import wabtInit from 'wabt';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const mathDir = join(root, 'src/math/wasm');

/** Every kernel: its .wat, the generated .ts, the module name, the exported constant, the features. */
const targets = [
  ...readdirSync(mathDir)
    .filter((n) => n.endsWith('.wat'))
    .map((f) => {
      const name = f.replace(/\.wat$/, '');
      return {
        wat: join(mathDir, f),
        out: join(mathDir, `${name}-wasm.ts`),
        module: `math/wasm/${name}-wasm`,
        constant: 'WASM_BASE64',
        threads: false,
      };
    }),
  {
    wat: join(root, 'src/models/lightgcn/kernels.wat'),
    out: join(root, 'src/models/lightgcn/kernels-wasm.ts'),
    module: 'models/lightgcn/kernels-wasm',
    constant: 'KERNELS_WASM_BASE64',
    threads: true,
  },
  {
    wat: join(root, 'src/models/freedom/kernels.wat'),
    out: join(root, 'src/models/freedom/kernels-wasm.ts'),
    module: 'models/freedom/kernels-wasm',
    constant: 'FREEDOM_KERNELS_WASM_BASE64',
    threads: true,
  },
  {
    wat: join(root, 'src/models/vbpr/kernels.wat'),
    out: join(root, 'src/models/vbpr/kernels-wasm.ts'),
    module: 'models/vbpr/kernels-wasm',
    constant: 'VBPR_KERNELS_WASM_BASE64',
    threads: true,
  },
];

const wabt = await wabtInit();
let stale = 0;
for (const t of targets) {
  const file = relative(root, t.wat);
  const mod = wabt.parseWat(file, readFileSync(t.wat, 'utf8'), { simd: true, threads: t.threads });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  new WebAssembly.Module(buffer); // validates with the runtime's own feature set
  const text = `/**\n * @module ${t.module}\n * Generated from ${file} by scripts/build-wasm.mjs: do not edit.\n */\nexport const ${t.constant} =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  let old = '';
  try {
    old = readFileSync(t.out, 'utf8');
  } catch {}
  if (old !== text) {
    stale++;
    if (!check) writeFileSync(t.out, text);
  }
  console.log(`${file}: ${buffer.length} bytes${old === text ? '' : check ? ' (STALE)' : ' (written)'}`);
}
if (check && stale > 0) process.exit(1);
