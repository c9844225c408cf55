/**
 * @module models/artifact
 * Saved models are folders: `manifest.json` (model, params, dims, dataset fingerprint, metrics,
 * table list) plus one little-endian binary file per table. Loading checks the manifest.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, MismatchError, NotFoundError } from '../errors.js';

export const ARTIFACT_FORMAT = 'fusionrec-model';
export const ARTIFACT_VERSION = 1;

type Table = Float32Array | Int32Array;

export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  model: string;
  params: Record<string, unknown>;
  dims: Record<string, number>;
  fingerprint: string;
  metrics: Record<string, number>;
  tables: Record<string, { file: string; dtype: 'float32' | 'int32'; length: number }>;
  createdAt: string;
}

export async function writeArtifact(
  dir: string,
  head: Pick<ArtifactManifest, 'model' | 'params' | 'dims' | 'fingerprint'> & {
    metrics?: Record<string, number>;
  },
  tables: Record<string, Table>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    model: head.model,
    params: head.params,
    dims: head.dims,
    fingerprint: head.fingerprint,
    metrics: head.metrics ?? {},
    tables: {},
    createdAt: new Date().toISOString(),
  };
  for (const [name, arr] of Object.entries(tables)) {
    const file = `${name}.bin`;
    await writeFile(join(dir, file), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    manifest.tables[name] = {
      file,
      dtype: arr instanceof Float32Array ? 'float32' : 'int32',
      length: arr.length,
    };
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function readManifest(dir: string): Promise<ArtifactManifest> {
  const file = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new NotFoundError(`no saved model in ${dir}: ${file} cannot be read`, { cause: err });
  }
  let m: ArtifactManifest;
  try {
    m = JSON.parse(text) as ArtifactManifest;
  } catch (err) {
    throw new InvalidInputError({ file, line: 0 }, 'expected JSON', { cause: err });
  }
  if (m.format !== ARTIFACT_FORMAT) {
    throw new InvalidInputError({ file, line: 0, field: 'format' }, `expected "${ARTIFACT_FORMAT}"`);
  }
  if (m.version !== ARTIFACT_VERSION) {
    throw new MismatchError(
      `${file}: artifact version ${m.version}, this fusionrec reads ${ARTIFACT_VERSION}`,
    );
  }
  return m;
}

/** Reads the manifest and tables, checking the model name and (when given) the fingerprint. */
export async function readArtifact(
  dir: string,
  expect: { model: string; fingerprint?: string },
): Promise<{ manifest: ArtifactManifest; tables: Record<string, Table> }> {
  const manifest = await readManifest(dir);
  if (manifest.model !== expect.model) {
    throw new MismatchError(`${dir} holds a "${manifest.model}" model, expected "${expect.model}"`);
  }
  if (expect.fingerprint !== undefined && manifest.fingerprint !== expect.fingerprint) {
    throw new MismatchError(
      `${dir} was trained on dataset ${manifest.fingerprint}, but this dataset is ${expect.fingerprint}`,
    );
  }
  const tables: Record<string, Table> = {};
  for (const [name, t] of Object.entries(manifest.tables)) {
    const buf = await readFile(join(dir, t.file));
    const bytes = new Uint8Array(buf.byteLength);
    bytes.set(buf);
    const arr = t.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    if (arr.length !== t.length) {
      throw new MismatchError(`${join(dir, t.file)}: ${arr.length} values, manifest says ${t.length}`);
    }
    tables[name] = arr;
  }
  return { manifest, tables };
}
