/**
 * @module store/media
 * Media references of stored items are paths relative to one media root and must stay inside it:
 * `..` escapes, absolute paths outside the root, NUL bytes and symbolic links leading out are
 * rejected. Also the content types of the media kinds served.
 */
import { realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';

/** Whether `ref` is an http(s) URL (kept as a reference, never read from disk by the server). */
export function isRemoteRef(ref: string): boolean {
  return /^https?:\/\//i.test(ref);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' ? false : !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Checks a media reference against the root without touching the disk and returns it normalised
 * (relative to the root, with forward slashes). Throws InvalidInputError at `field`.
 */
export function normalizeMediaRef(root: string, ref: string, field: string): string {
  if (isRemoteRef(ref)) return ref;
  const where = { file: 'request body', line: 0, field };
  if (ref === '' || ref.includes('\0'))
    throw new InvalidInputError(where, 'expected a media path, got an empty or NUL-containing string');
  const base = resolve(root);
  const abs = resolve(base, ref);
  if (!inside(base, abs)) {
    throw new InvalidInputError(where, `expected a path inside the media root, got ${JSON.stringify(ref)}`);
  }
  return relative(base, abs).split(sep).join('/');
}

/**
 * The absolute path of a stored media reference, after checking (with symbolic links resolved)
 * that it lies inside the root. Returns undefined when it escapes or does not exist.
 */
export async function resolveMediaPath(root: string, ref: string): Promise<string | undefined> {
  if (isRemoteRef(ref) || ref.includes('\0')) return undefined;
  const base = resolve(root);
  const abs = resolve(base, ref);
  if (!inside(base, abs)) return undefined;
  try {
    const [realBase, realAbs] = await Promise.all([realpath(base), realpath(abs)]);
    return inside(realBase, realAbs) ? realAbs : undefined;
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.avif': 'image/avif',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.webm': 'audio/webm',
};

/** Content type of a media file by its extension. */
export function mediaContentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The file extension for an uploaded content type (with the dot), or undefined. */
export function extensionFor(contentType: string): string | undefined {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  for (const [ext, type] of Object.entries(TYPES)) if (type === ct) return ext;
  if (ct === 'audio/x-wav' || ct === 'audio/wave') return '.wav';
  return undefined;
}

/** Whether `path` is `root` or inside it (lexically). */
export function isInsideRoot(root: string, path: string): boolean {
  return inside(resolve(root), resolve(path));
}
