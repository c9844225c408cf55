/**
 * @module io/npy
 * Reading and writing NumPy `.npy` arrays of little-endian float32/float64 in C order (format
 * versions 1, 2 and 3). Float64 data is converted to float32 on read.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, InvalidInputError, NotFoundError } from '../errors.js';

/** A dense array read from a `.npy` file (row-major). */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = '\x93NUMPY';

function bad(file: string, field: string, detail: string): InvalidInputError {
  return new InvalidInputError({ file, line: 0, field }, detail);
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(file: string, buf: Buffer): NpyHeader {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) {
    throw bad(file, 'magic', 'expected a NumPy .npy file starting with "\\x93NUMPY", got other bytes');
  }
  const major = buf[6]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad(file, 'header', 'expected a header length, got a truncated file');
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw bad(file, 'version', `expected format version 1, 2 or 3, got ${major}.${buf[7]}`);
  }
  if (buf.length < start + headerLen) {
    throw bad(file, 'header', `expected a ${headerLen}-byte header, got a truncated file`);
  }
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) {
    throw bad(
      file,
      'header',
      `expected a dict with 'descr', 'fortran_order' and 'shape', got ${header.trim()}`,
    );
  }
  const dims = shape[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const d of dims) {
    if (!/^\d+L?$/.test(d))
      throw bad(file, 'shape', `expected non-negative integer dimensions, got (${shape[1]})`);
  }
  return {
    descr: descr[1]!,
    fortran: fortran[1] === 'True',
    shape: dims.map((d) => Number.parseInt(d, 10)),
    dataOffset: start + headerLen,
  };
}

/**
 * Reads a `.npy` file of dtype `<f4` or `<f8` in C order. Throws NotFoundError when the file is
 * missing and InvalidInputError (line 0, field "magic"/"version"/"header"/"shape"/"dtype"/
 * "fortran_order"/"data") for anything else.
 */
export async function readNpy(file: string): Promise<NpyArray> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new NotFoundError(`.npy file ${file} does not exist or cannot be read`, { cause: err });
  }
  const h = parseHeader(file, buf);
  if (h.descr.startsWith('>')) {
    throw bad(file, 'dtype', `expected little-endian '<f4' or '<f8', got big-endian '${h.descr}'`);
  }
  if (h.descr !== '<f4' && h.descr !== '<f8') {
    throw bad(file, 'dtype', `expected '<f4' (float32) or '<f8' (float64), got '${h.descr}'`);
  }
  if (h.fortran) throw bad(file, 'fortran_order', 'expected False (C order), got True');
  const count = h.shape.reduce((a, b) => a * b, 1);
  const itemSize = h.descr === '<f4' ? 4 : 8;
  const have = buf.length - h.dataOffset;
  if (have !== count * itemSize) {
    const what = have < count * itemSize ? 'truncated data' : 'extra bytes after the data';
    throw bad(
      file,
      'data',
      `expected ${count * itemSize} bytes for shape (${h.shape.join(', ')}), got ${have} (${what})`,
    );
  }
  const bytes = buf.buffer.slice(buf.byteOffset + h.dataOffset, buf.byteOffset + buf.length);
  const data = itemSize === 4 ? new Float32Array(bytes) : Float32Array.from(new Float64Array(bytes));
  return { shape: h.shape, data };
}

function shapeTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * Writes `data` (row-major, C order) with `shape` as a version-1 `.npy` file: `<f4` for a
 * Float32Array, `<f8` for a Float64Array. Creates the parent folder when needed.
 */
export async function writeNpy(
  file: string,
  shape: readonly number[],
  data: Float32Array | Float64Array,
): Promise<void> {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `writeNpy: shape must hold non-negative integers, got [${shape.join(', ')}]`,
      );
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InvalidArgumentError(
      `writeNpy: shape (${shape.join(', ')}) holds ${count} values, but data has ${data.length}`,
    );
  }
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const head = Buffer.alloc(10);
  head.write(MAGIC, 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}
