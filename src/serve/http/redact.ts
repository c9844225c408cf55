/**
 * @module serve/http/redact
 * Messages sent to clients never show server paths: the media root becomes relative (a media
 * reference, as the client wrote it), and any other absolute path is cut to its file name.
 */
import { sep } from 'node:path';

// an absolute path of at least one folder; the API's own routes (/v1/..., /api/...) are not paths
const POSIX = /(?<=^|[\s'"`(=[])\/(?!v1\/|api\/)(?:[^\s/'"`<>|,;()]+\/)+([^\s/'"`<>|,;()]*)/g;
const WINDOWS = /\b[A-Za-z]:\\(?:[^\s\\'"`<>|,;()]+\\)+([^\s\\'"`<>|,;()]*)/g;

/** `text` without absolute paths (`root`, when given, is cut off so media references stay). */
export function redactPaths(text: string, root?: string): string {
  let out = text;
  if (root) {
    const prefix = root.endsWith(sep) ? root : root + sep;
    out = out.split(prefix).join('');
  }
  return out.replace(POSIX, '…/$1').replace(WINDOWS, '…\\$1');
}
