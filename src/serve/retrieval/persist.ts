/**
 * @module serve/retrieval/persist
 * A saved HNSW item index: the bytes a server stores with a model version so that the next server
 * loads the graph instead of rebuilding it (tens of seconds at 100k items).
 *
 * Format: `FRIX` (4 bytes), the header's length (uint32 little-endian), the header (JSON, UTF-8),
 * then hnswlib's own graph file. The header names the table the graph was built over (rows,
 * dimension, a SHA-256 of its float32 vectors and biases), the graph's parameters, and a SHA-256 of
 * the graph bytes. {@link decodeItemIndex} checks all of them against the table it is asked to
 * serve, and throws on any difference, so a truncated, corrupt or foreign blob is never served.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError, MismatchError } from '../../errors.js';
import { type HnswGraphParams, HnswIndex } from './hnsw.js';

/** The Store kind (putModelIndex / getModelIndex) of a version's saved HNSW item index. */
export const ITEM_INDEX_KIND = 'item-hnsw';

/** The Store kind of a version's saved item Gramian (fold-in), see {@link encodeDerivedTable}. */
export const ITEM_GRAM_KIND = 'item-gram';

const MAGIC = 'FRIX';
const TABLE_MAGIC = 'FRTB';
const FORMAT = 1;

/** The header of a saved index. */
export interface SavedIndexHeader {
  format: number;
  kind: 'hnsw';
  dim: number;
  rows: number;
  /** SHA-256 (hex) of the table's float32 bytes, then the bias's (when there is one). */
  vectors: string;
  params: HnswGraphParams;
  graphBytes: number;
  /** SHA-256 (hex) of the graph bytes. */
  graph: string;
}

/** SHA-256 (hex) of a table and its bias, as the header records it. */
export function tableChecksum(vectors: Float32Array, bias?: Float32Array): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  if (bias) h.update(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength));
  return h.digest('hex');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The saved form of `index`, built over every row of `vectors` (n x dim) with `bias`. Save it
 * before removing any item: deletions are the catalog's, applied again at load.
 */
export async function encodeItemIndex(
  index: HnswIndex,
  vectors: Float32Array,
  bias?: Float32Array,
): Promise<Uint8Array> {
  const graph = await index.saveGraph();
  const header: SavedIndexHeader = {
    format: FORMAT,
    kind: 'hnsw',
    dim: index.dim,
    rows: vectors.length / index.dim,
    vectors: tableChecksum(vectors, bias),
    params: index.graphParams(),
    graphBytes: graph.length,
    graph: sha256(graph),
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + head.length + graph.length);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(4, head.length, true);
  out.set(head, 8);
  out.set(graph, 8 + head.length);
  return out;
}

/** The header of a saved index and its graph bytes (a view); throws InvalidInputError when malformed or damaged. */
export function readSavedIndex(bytes: Uint8Array): { header: SavedIndexHeader; graph: Uint8Array } {
  const bad = (why: string) => new InvalidInputError({ file: 'saved item index', line: 0 }, why);
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== MAGIC) {
    throw bad('not a saved index (no FRIX signature)');
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.length) throw bad('truncated header');
  let header: SavedIndexHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')) as SavedIndexHeader;
  } catch {
    throw bad('unreadable header');
  }
  if (header.format !== FORMAT || header.kind !== 'hnsw') {
    throw bad(`format ${String(header.format)} / kind ${String(header.kind)} is not supported`);
  }
  const graph = bytes.subarray(8 + len);
  if (graph.length !== header.graphBytes) {
    throw bad(`graph has ${graph.length} bytes, the header says ${header.graphBytes}`);
  }
  if (sha256(graph) !== header.graph) throw bad('graph checksum does not match');
  return { header, graph };
}

/**
 * Restores a saved index over `vectors` (n x dim) and `bias`: throws MismatchError when it was
 * built over another table (rows, dimension or vector checksum differ), InvalidInputError when the
 * bytes are damaged. Items whose `live` flag is 0 are marked deleted.
 */
export async function decodeItemIndex(
  bytes: Uint8Array,
  vectors: Float32Array,
  dim: number,
  options: {
    bias?: Float32Array | undefined;
    live?: Uint8Array | undefined;
    efSearch?: number | undefined;
    /** How the restored index keeps its vectors (see HnswOptions.vectors). */
    vectors?: 'float32' | 'int8' | undefined;
    /** {@link tableChecksum} of vectors and bias when the caller has it already. */
    checksum?: string | undefined;
  } = {},
): Promise<HnswIndex> {
  const { header, graph } = readSavedIndex(bytes);
  const rows = vectors.length / dim;
  if (header.dim !== dim || header.rows !== rows) {
    throw new MismatchError(
      `saved item index is ${header.rows} x ${header.dim}, the model's table ${rows} x ${dim}`,
    );
  }
  if (header.vectors !== (options.checksum ?? tableChecksum(vectors, options.bias))) {
    throw new MismatchError('saved item index was built over other item vectors (checksum differs)');
  }
  return HnswIndex.restore(
    dim,
    header.params,
    graph,
    { vectors, bias: options.bias, live: options.live },
    { efSearch: options.efSearch, vectors: options.vectors },
  );
}

/**
 * A float32 table computed from an item table (e.g. its Gramian), saved with the
 * {@link tableChecksum} of that source: `FRTB`, the header's length (uint32 LE), the header
 * (JSON: format, length, source, SHA-256 of the data), then the floats.
 */
export function encodeDerivedTable(data: Float32Array, source: string): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const head = Buffer.from(
    JSON.stringify({ format: FORMAT, length: data.length, source, sha256: sha256(bytes) }),
    'utf8',
  );
  const out = new Uint8Array(8 + head.length + bytes.length);
  out.set(Buffer.from(TABLE_MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(4, head.length, true);
  out.set(head, 8);
  out.set(bytes, 8 + head.length);
  return out;
}

/**
 * The table saved by {@link encodeDerivedTable}; throws InvalidInputError when damaged,
 * MismatchError when it was derived from another source table or has another length.
 */
export function decodeDerivedTable(bytes: Uint8Array, source: string, length: number): Float32Array {
  const bad = (why: string) => new InvalidInputError({ file: 'saved derived table', line: 0 }, why);
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== TABLE_MAGIC) {
    throw bad('no FRTB signature');
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.length) throw bad('truncated header');
  let header: { format: number; length: number; source: string; sha256: string };
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')) as typeof header;
  } catch {
    throw bad('unreadable header');
  }
  const body = bytes.subarray(8 + len);
  if (header.format !== FORMAT || body.length !== 4 * header.length) throw bad('wrong format or length');
  if (sha256(body) !== header.sha256) throw bad('checksum does not match');
  if (header.source !== source || header.length !== length) {
    throw new MismatchError('saved table was derived from another item table');
  }
  const out = new Float32Array(header.length);
  new Uint8Array(out.buffer).set(body);
  return out;
}
