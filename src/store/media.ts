/**
 * @module store/media
 * Media references of stored items are paths relative to one media root and must stay inside it:
 * `..` escapes, absolute paths outside the root, NUL bytes and symbolic links leading out are
 * rejected. Also the content types of the media kinds served, the sniffing of uploaded bytes by
 * their magic numbers (an upload must be a picture or a sound of a known format; SVG, HTML and text
 * are refused), and the removal of an item's previous upload when a new one replaces it.
 */
import { realpath, unlink } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidRequestError } from '../errors.js';

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
  if (ref === '' || ref.includes('\0'))
    throw new InvalidRequestError(field, 'expected a media path, got an empty or NUL-containing string');
  const base = resolve(root);
  const abs = resolve(base, ref);
  if (!inside(base, abs)) {
    throw new InvalidRequestError(field, `expected a path inside the media root, got ${JSON.stringify(ref)}`);
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

/** What the first bytes of an upload say it is. */
export interface SniffedMedia {
  kind: 'image' | 'audio';
  /** The canonical content type (as {@link mediaContentType} gives for its extension). */
  type: string;
  /** A name for messages: "PNG", "MP3"... */
  format: string;
}

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/**
 * The format of `bytes` by its magic number: PNG, JPEG, GIF, WebP, BMP, AVIF pictures; WAV, MP3
 * (ID3 tag or MPEG layer III frame), OGG, FLAC, M4A, AAC (ADTS), WebM sound. Undefined otherwise
 * (SVG, HTML, text, anything else).
 */
export function sniffMedia(b: Uint8Array): SniffedMedia | undefined {
  const img = (type: string, format: string): SniffedMedia => ({ kind: 'image', type, format });
  const snd = (type: string, format: string): SniffedMedia => ({ kind: 'audio', type, format });
  if (b.length >= 8 && ascii(b, 1, 'PNG') && b[0] === 0x89 && b[4] === 0x0d && b[5] === 0x0a)
    return img('image/png', 'PNG');
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return img('image/jpeg', 'JPEG');
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return img('image/gif', 'GIF');
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return img('image/webp', 'WebP');
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return snd('audio/wav', 'WAV');
  if (ascii(b, 0, 'BM') && b.length >= 26 && [12, 40, 52, 56, 108, 124].includes(b[14]!) && b[15] === 0)
    return img('image/bmp', 'BMP');
  if (ascii(b, 4, 'ftyp')) {
    if (ascii(b, 8, 'avif') || ascii(b, 8, 'avis')) return img('image/avif', 'AVIF');
    if (ascii(b, 8, 'M4A ') || ascii(b, 8, 'M4B ') || ascii(b, 8, 'mp42') || ascii(b, 8, 'isom'))
      return snd('audio/mp4', 'M4A');
    return undefined;
  }
  if (ascii(b, 0, 'ID3')) return snd('audio/mpeg', 'MP3');
  if (ascii(b, 0, 'OggS')) return snd('audio/ogg', 'OGG');
  if (ascii(b, 0, 'fLaC')) return snd('audio/flac', 'FLAC');
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3)
    return snd('audio/webm', 'WebM');
  if (b.length >= 4 && b[0] === 0xff) {
    const b1 = b[1]!;
    if ((b1 & 0xf6) === 0xf0) return snd('audio/aac', 'AAC');
    if ((b1 & 0xe0) === 0xe0 && (b1 & 0x06) === 0x02) return snd('audio/mpeg', 'MP3');
  }
  return undefined;
}

/**
 * Checks that an upload's bytes are a picture (kind image) or a sound (kind audio) of a known
 * format, and the one its content type names. A content type fusionrec does not know, or an empty
 * body, is left for the caller to refuse (it names those itself). Throws InvalidInputError (400).
 */
export function checkUploadBytes(kind: 'image' | 'audio', bytes: Uint8Array, contentType: string): void {
  const ext = extensionFor(contentType);
  if (!ext || bytes.length === 0) return;
  const found = sniffMedia(bytes);
  const accepted =
    kind === 'image' ? 'PNG, JPEG, GIF, WebP, BMP or AVIF' : 'WAV, MP3, OGG, FLAC, M4A, AAC or WebM';
  if (!found) {
    throw new InvalidRequestError(
      'body',
      `expected the bytes of a ${accepted} file, got bytes of no known ${kind} format (SVG, HTML and text are refused)`,
    );
  }
  if (found.kind !== kind) {
    throw new InvalidRequestError(
      'body',
      `expected ${kind} bytes (${accepted}), got ${found.format} ${found.kind}`,
    );
  }
  const declared = mediaContentType(`x${ext}`);
  if (declared !== found.type) {
    throw new InvalidRequestError(
      'Content-Type',
      `the bytes are ${found.format} (${found.type}), but the Content-Type says ${declared}`,
    );
  }
}

const UPLOAD_REF = /^uploads\/[0-9a-f]{24}-(image|audio)\.[a-z0-9]+$/;

/**
 * Removes the file of an item's previous upload when a new upload replaced it under another name
 * (another extension). Only files the server wrote itself (`uploads/<hash>-<kind>.<ext>`, inside
 * the root) are removed; a missing file is fine.
 */
export async function removeReplacedUpload(
  root: string,
  previous: string | undefined,
  current: string | undefined,
): Promise<boolean> {
  if (!previous || previous === current || !UPLOAD_REF.test(previous)) return false;
  const path = await resolveMediaPath(root, previous);
  if (!path) return false;
  try {
    await unlink(path);
    return true;
  } catch {
    return false;
  }
}
