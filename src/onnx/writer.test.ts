import { describe, expect, it } from 'vitest';
import { attributeProto, DataType, GraphBuilder, tensorProto, valueInfoProto } from './writer.js';

/** A protobuf field as read back: varints as bigint, length-delimited fields as bytes. */
type Field = { field: number; wire: number; value: bigint | Uint8Array };

/** Minimal protobuf reader, independent of the writer, to check what it wrote. */
function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, wire, value: buf.subarray(at, at + n) });
      at += n;
    } else if (wire === 5) {
      out.push({ field, wire, value: buf.subarray(at, at + 4) });
      at += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
function bytesOf(f: Field | undefined): Uint8Array {
  if (!(f?.value instanceof Uint8Array)) throw new Error('expected a length-delimited field');
  return f.value;
}
const text = (f: Field | undefined) => new TextDecoder().decode(bytesOf(f));
const all = (fields: Field[], n: number) => fields.filter((f) => f.field === n);
const one = (fields: Field[], n: number) => all(fields, n)[0];

describe('onnx-writer', () => {
  it('writes TensorProto dims, type, name and little-endian raw data', () => {
    const t = readFields(tensorProto('w', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)));
    expect(all(t, 1).map((f) => f.value)).toEqual([2n, 3n]);
    expect(one(t, 2)?.value).toBe(BigInt(DataType.FLOAT));
    expect(text(one(t, 8))).toBe('w');
    const raw = bytesOf(one(t, 9));
    expect([...new Float32Array(raw.slice().buffer)]).toEqual([1, 2, 3, 4, 5, 6]);
    const ints = readFields(tensorProto('i', [2], BigInt64Array.of(-1n, 5n)));
    expect(one(ints, 2)?.value).toBe(BigInt(DataType.INT64));
    expect(() => tensorProto('bad', [3], Float32Array.of(1))).toThrow(/dims/);
  });

  it('writes attributes: negative ints as ten-byte varints, floats as fixed32, packed int lists', () => {
    const neg = readFields(attributeProto('axis', -1));
    expect(text(one(neg, 1))).toBe('axis');
    expect(one(neg, 3)?.value).toBe((1n << 64n) - 1n);
    expect(one(neg, 20)?.value).toBe(2n);
    const f = readFields(attributeProto('alpha', { float: 0.5 }));
    expect(new DataView(bytesOf(one(f, 2)).slice().buffer).getFloat32(0, true)).toBe(0.5);
    expect(one(f, 20)?.value).toBe(1n);
    const list = readFields(attributeProto('perm', { ints: [0, 2, 1] }));
    expect(Array.from(bytesOf(one(list, 8)))).toEqual([0, 2, 1]);
    expect(one(list, 20)?.value).toBe(7n);
  });

  it('writes value infos with fixed and symbolic dims', () => {
    const v = readFields(valueInfoProto('x', DataType.INT64, ['batch', 4]));
    expect(text(one(v, 1))).toBe('x');
    const tensorType = readFields(bytesOf(one(readFields(bytesOf(one(v, 2))), 1)));
    expect(one(tensorType, 1)?.value).toBe(7n);
    const dims = all(readFields(bytesOf(one(tensorType, 2))), 1).map((d) => readFields(bytesOf(d)));
    expect(text(one(dims[0]!, 2))).toBe('batch');
    expect(one(dims[1]!, 1)?.value).toBe(4n);
  });

  it('builds a ModelProto: IR version, opset, graph nodes, initializers, inputs, outputs', () => {
    const g = new GraphBuilder('g');
    g.input('x', DataType.FLOAT, ['n', 2]);
    const w = g.init('w', [2, 2], Float32Array.of(1, 0, 0, 1));
    const y = g.node('Tanh', [g.node('MatMul', ['x', w])], {}, ['y']);
    expect(y).toBe('y');
    g.output('y', DataType.FLOAT, ['n', 2]);
    const m = readFields(g.toModel({ opset: 13, producer: 'test' }));
    expect(one(m, 1)?.value).toBe(8n);
    expect(text(one(m, 2))).toBe('test');
    const opset = readFields(bytesOf(one(m, 8)));
    expect(one(opset, 2)?.value).toBe(13n);
    const graph = readFields(bytesOf(one(m, 7)));
    expect(text(one(graph, 2))).toBe('g');
    const nodes = all(graph, 1).map((n) => readFields(bytesOf(n)));
    expect(nodes.map((n) => text(one(n, 4)))).toEqual(['MatMul', 'Tanh']);
    expect(all(nodes[0]!, 1).map(text)).toEqual(['x', 'w']);
    expect(text(one(nodes[1]!, 1))).toBe(text(one(nodes[0]!, 2)));
    expect(all(graph, 5)).toHaveLength(1);
    expect(text(one(readFields(bytesOf(one(graph, 11))), 1))).toBe('x');
    expect(text(one(readFields(bytesOf(one(graph, 12))), 1))).toBe('y');
  });
});
