/**
 * @module bench/onnx-writer
 * Our ONNX protobuf writer (src/onnx/writer.ts) against onnx-proto (ONNX's schema compiled by
 * protobufjs' pbjs into static encode/decode code), on two models: the tiny CLIP text tower of the
 * tests (many nodes, int/ints/float attributes, small initializers) and a one-node Gemm with a 4 MB
 * initializer (the shape of onnx/fixed-products' graphs).
 * - correctness: onnx-proto decodes our bytes; the decoded model rebuilt through our GraphBuilder
 *   gives the same bytes (so the decode saw every field); onnx-proto re-encodes the decoded model and
 *   onnxruntime runs both files on the same input: the outputs must be identical;
 * - size of both files, and the time to serialise the same model (median of `--reps`, after one
 *   warm-up): ours replays the decoded model into a GraphBuilder (which serialises as it goes) and
 *   calls toModel(); onnx-proto encodes the decoded message.
 * onnx-proto is not a dependency: install it outside the repository and name the folder:
 *
 *   mkdir -p /tmp/poolbench && (cd /tmp/poolbench && npm init -y && npm i onnx-proto@8.0.1)
 *   node --import tsx bench/onnx-writer.ts [--libs /tmp/poolbench] [--reps 20]
 *
 * Prints a table and writes bench/results/onnx-writer.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tinyTextTowerModel } from '../src/encoders/testing/tiny-clip.js';
import { textTable } from '../src/experiment/report.js';
import { type AttrValue, DataType, type DataTypeCode, GraphBuilder } from '../src/onnx/writer.js';
import { argValue, median } from './args.js';

const libs = argValue('libs', process.env.POOLBENCH_DIR ?? '/tmp/poolbench');
const reps = Number(argValue('reps', '20'));

/** The part of onnx-proto's decoded ModelProto (toObject with longs as numbers) read here. */
interface Dim {
  dimValue?: number;
  dimParam?: string;
}
interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Dim[] } } };
}
interface Attr {
  name: string;
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
}
interface ModelObject {
  irVersion: number;
  producerName: string;
  opsetImport: { domain?: string; version: number }[];
  graph: {
    name: string;
    node: { input?: string[]; output: string[]; name: string; opType: string; attribute?: Attr[] }[];
    initializer?: { dims: number[]; dataType: number; name: string; rawData: Uint8Array }[];
    input: ValueInfo[];
    output: ValueInfo[];
  };
}
interface MessageType {
  decode(b: Uint8Array): object;
  encode(m: object): { finish(): Uint8Array };
  toObject(m: object, o: object): ModelObject;
}

const require = createRequire(join(libs, 'package.json'));
let onnx: { ModelProto: MessageType };
let version: string;
try {
  onnx = require('onnx-proto').onnx;
  version = require('onnx-proto/package.json').version;
} catch {
  console.error(`onnx-proto is not installed under ${libs}`);
  process.exit(1);
}

const dimsOf = (v: ValueInfo) => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue ?? 0);

/** The decoded initializers as typed arrays (copied out of the decoded bytes, outside the timing). */
function tensorsOf(m: ModelObject): (Float32Array | BigInt64Array)[] {
  return (m.graph.initializer ?? []).map((t) => {
    const raw = t.rawData.slice();
    return t.dataType === DataType.FLOAT ? new Float32Array(raw.buffer) : new BigInt64Array(raw.buffer);
  });
}

/** Rebuilds a decoded model with our GraphBuilder (nodes keep their order, so their names too). */
function replay(m: ModelObject, tensors: readonly (Float32Array | BigInt64Array)[]): Uint8Array {
  const g = new GraphBuilder(m.graph.name);
  for (const v of m.graph.input) g.input(v.name, v.type.tensorType.elemType as DataTypeCode, dimsOf(v));
  (m.graph.initializer ?? []).forEach((t, k) => {
    g.init(t.name, t.dims, tensors[k]!);
  });
  for (const n of m.graph.node) {
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      attrs[a.name] = a.type === 2 ? (a.i ?? 0) : a.type === 1 ? { float: a.f ?? 0 } : { ints: a.ints ?? [] };
    }
    g.node(n.opType, n.input ?? [], attrs, n.output);
  }
  for (const v of m.graph.output) g.output(v.name, v.type.tensorType.elemType as DataTypeCode, dimsOf(v));
  return g.toModel({
    opset: m.opsetImport[0]!.version,
    irVersion: m.irVersion,
    producer: m.producerName,
  });
}

function gemmModel(f: number, d: number): Uint8Array {
  const g = new GraphBuilder('project');
  g.input('X', DataType.FLOAT, ['n', f]);
  const w = g.init(
    'W',
    [d, f],
    Float32Array.from({ length: d * f }, (_, i) => Math.sin(i) / 8),
  );
  g.node('Gemm', ['X', w], { transB: 1, alpha: { float: 0.5 } }, ['out']);
  g.output('out', DataType.FLOAT, ['n', d]);
  return g.toModel();
}

function timeMs(f: () => unknown): number {
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const ort = await import('onnxruntime-node');
async function run(bytes: Uint8Array, feeds: Record<string, import('onnxruntime-node').Tensor>) {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await s.run(feeds);
  await s.release();
  return Object.keys(out)
    .sort()
    .map((k) => out[k]!.data as Float32Array);
}
const same = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length &&
  a.every((x, i) =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
      Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength),
    ),
  );

const F = 1024;
const cases = [
  {
    name: 'tiny CLIP text tower',
    bytes: tinyTextTowerModel(300, 32, 16, 16, 7),
    feeds: () => ({
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: 32 }, (_, i) => BigInt((i * 37) % 300)),
        [2, 16],
      ),
      attention_mask: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: 32 }, (_, i) => (i % 16 < 12 ? 1n : 0n)),
        [2, 16],
      ),
    }),
  },
  {
    name: `Gemm, ${F}x${F} initializer (4 MB)`,
    bytes: gemmModel(F, F),
    feeds: () => ({
      X: new ort.Tensor(
        'float32',
        Float32Array.from({ length: 8 * F }, (_, i) => Math.cos(i)),
        [8, F],
      ),
    }),
  },
];

const results: Record<string, unknown>[] = [];
for (const c of cases) {
  const msg = onnx.ModelProto.decode(c.bytes);
  const obj = onnx.ModelProto.toObject(msg, { longs: Number, arrays: true });
  const tensors = tensorsOf(obj);
  const replayed = replay(obj, tensors);
  const theirs = onnx.ModelProto.encode(msg).finish();
  const ours = await run(c.bytes, c.feeds());
  const viaLib = await run(theirs, c.feeds());
  let firstDiff = -1;
  for (let i = 0; i < Math.min(theirs.length, c.bytes.length); i++) {
    if (theirs[i] !== c.bytes[i]) {
      firstDiff = i;
      break;
    }
  }
  results.push({
    model: c.name,
    nodes: obj.graph.node.length,
    initializers: obj.graph.initializer?.length ?? 0,
    decodedAndRebuiltIdentical: Buffer.from(replayed).equals(Buffer.from(c.bytes)),
    oursBytes: c.bytes.length,
    onnxProtoBytes: theirs.length,
    bytesIdentical: Buffer.from(theirs).equals(Buffer.from(c.bytes)),
    firstDiff,
    ortOutputsIdentical: same(ours, viaLib),
    oursMs: timeMs(() => replay(obj, tensors)),
    onnxProtoMs: timeMs(() => onnx.ModelProto.encode(msg).finish()),
    decodeMs: timeMs(() => onnx.ModelProto.decode(c.bytes)),
  });
}

const f = (x: unknown) =>
  typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(3)) : String(x);
console.log(`onnx-proto ${version}\n`);
console.log(
  textTable(
    [
      'model',
      'nodes',
      'decoded+rebuilt = ours',
      'ours B',
      'onnx-proto B',
      'same bytes',
      'ort outputs equal',
      'ours ms',
      'onnx-proto ms',
      'decode ms',
    ],
    results.map((r) =>
      [
        r.model,
        r.nodes,
        r.decodedAndRebuiltIdentical,
        r.oursBytes,
        r.onnxProtoBytes,
        r.bytesIdentical,
        r.ortOutputsIdentical,
        r.oursMs,
        r.onnxProtoMs,
        r.decodeMs,
      ].map(f),
    ),
  ),
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/onnx-writer.json',
  `${JSON.stringify({ date: new Date().toISOString(), onnxProto: version, reps, results }, null, 2)}\n`,
);
