/**
 * @module onnx/writer
 * A minimal ONNX protobuf writer: enough of ModelProto, GraphProto, NodeProto, TensorProto,
 * AttributeProto and ValueInfoProto to build small inference graphs from code (IR 8, opset 14 by
 * default). Used to generate tiny random models for offline tests and the small compute graphs that run
 * dense products in onnxruntime (onnx/fixed-products); not a general ONNX library.
 * Field numbers follow onnx/onnx.proto3. Tensors are written as little-endian `raw_data`.
 */
import { endianness } from 'node:os';

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
/** An ONNX element type. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A graph input/output dimension: a fixed size or a symbolic name such as "batch_size". */
export type Dim = number | string;

/** An attribute value: an integer, a float, or a list of integers. */
export type AttrValue = number | { float: number } | { ints: readonly number[] };

const utf8 = new TextEncoder();

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // int64 negatives: ten-byte two's complement
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
/** A varint field (wire type 0). */
const int = (field: number, v: number | bigint): Uint8Array =>
  Uint8Array.from([...key(field, 0), ...varint(v)]);
/** A length-delimited field (wire type 2): bytes, string or nested message. */
const bytes = (field: number, b: Uint8Array): Uint8Array =>
  concat([Uint8Array.from([...key(field, 2), ...varint(b.length)]), b]);
const str = (field: number, s: string): Uint8Array => bytes(field, utf8.encode(s));
/** A 32-bit float field (wire type 5). */
function float(field: number, v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return concat([Uint8Array.from(key(field, 5)), b]);
}

/** TensorProto with raw little-endian data. */
export function tensorProto(
  name: string,
  dims: readonly number[],
  data: Float32Array | BigInt64Array,
): Uint8Array {
  if (endianness() !== 'LE') throw new Error('onnx-writer: big-endian hosts are not supported');
  const type = data instanceof Float32Array ? DataType.FLOAT : DataType.INT64;
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length)
    throw new Error(`onnx-writer: tensor ${name} has ${data.length} values, dims say ${size}`);
  return concat([
    ...dims.map((d) => int(1, d)),
    int(2, type),
    str(8, name),
    bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  ]);
}

/** AttributeProto (types FLOAT=1, INT=2, INTS=7). */
export function attributeProto(name: string, value: AttrValue): Uint8Array {
  if (typeof value === 'number') return concat([str(1, name), int(3, value), int(20, 2)]);
  if ('float' in value) return concat([str(1, name), float(2, value.float), int(20, 1)]);
  const packed = Uint8Array.from(value.ints.flatMap((v) => varint(v)));
  return concat([str(1, name), bytes(8, packed), int(20, 7)]);
}

/** NodeProto of the default (ai.onnx) domain. */
export function nodeProto(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attrs: Readonly<Record<string, AttrValue>> = {},
): Uint8Array {
  return concat([
    ...inputs.map((s) => str(1, s)),
    ...outputs.map((s) => str(2, s)),
    str(3, name),
    str(4, opType),
    ...Object.entries(attrs).map(([k, v]) => bytes(5, attributeProto(k, v))),
  ]);
}

/** ValueInfoProto of a tensor with the given element type and shape. */
export function valueInfoProto(name: string, elemType: DataTypeCode, dims: readonly Dim[]): Uint8Array {
  const shape = concat(dims.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d))));
  const tensorType = concat([int(1, elemType), bytes(2, shape)]);
  return concat([str(1, name), bytes(2, bytes(1, tensorType))]);
}

/** Options of {@link GraphBuilder.toModel}. */
export interface ModelOptions {
  /** ai.onnx opset version (default 14). */
  opset?: number;
  /** ONNX IR version (default 8). */
  irVersion?: number;
  producer?: string;
}

/**
 * Builds one graph node by node. `node()` returns the name of its (first) output, so graphs read
 * like expressions: `const y = g.node('Tanh', [g.node('MatMul', [x, w])])`.
 */
export class GraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly inits: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** Declares a graph input. */
  input(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.inputs.push(valueInfoProto(name, elemType, dims));
    return name;
  }

  /** Declares a graph output (an existing value's name). */
  output(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.outputs.push(valueInfoProto(name, elemType, dims));
    return name;
  }

  /** Adds a constant (initializer) and returns its name. */
  init(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }

  /** Adds an int64 constant. */
  ints(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.init(
      name,
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /**
   * Adds a node. Output names default to `<op>_<n>`; pass `outputs` to name them (e.g. a graph
   * output). Returns the first output's name.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    outputs?: readonly string[],
  ): string {
    const id = this.counter++;
    const outs = outputs ?? [`${opType.toLowerCase()}_${id}`];
    this.nodes.push(nodeProto(opType, inputs, outs, `${opType}_${id}`, attrs));
    return outs[0]!;
  }

  /** Serialises the graph into a complete ModelProto. */
  toModel(options: ModelOptions = {}): Uint8Array {
    const graph = concat([
      ...this.nodes.map((n) => bytes(1, n)),
      str(2, this.name),
      ...this.inits.map((t) => bytes(5, t)),
      ...this.inputs.map((v) => bytes(11, v)),
      ...this.outputs.map((v) => bytes(12, v)),
    ]);
    const opset = concat([str(1, ''), int(2, options.opset ?? 14)]);
    return concat([
      int(1, options.irVersion ?? 8),
      str(2, options.producer ?? 'fusionrec-onnx-writer'),
      str(3, '1'),
      bytes(7, graph),
      bytes(8, opset),
    ]);
  }
}
