/**
 * @module serve/content/remote-fetch
 * Fetches an item's remote media (`--allow-remote`) without letting a catalog entry probe the
 * server's own network: the target's addresses are checked when the connection is made (the
 * `lookup` of node:http, so a DNS answer that changes between check and connect cannot slip
 * through), loopback, private, link-local, unique-local, CGNAT, multicast and unspecified
 * addresses are refused, every redirect is followed by hand and checked the same way (at most 3),
 * and the whole exchange has a time limit and a size cap. Failures are reported in a few generic
 * words (refused target, timed out, too large, HTTP status, unreachable): never the socket error,
 * which would tell which internal ports are open.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export interface RemoteFetchOptions {
  /** Whole exchange, redirects included (default 10 s). */
  timeoutMs?: number;
  /** Largest body (default 20 MiB). */
  maxBytes?: number;
  /** Redirects followed (default 3). */
  maxRedirects?: number;
  /**
   * Hosts (exact names or addresses) allowed although they resolve to refused addresses: for an
   * operator whose media live on an internal host, and for tests.
   */
  allowHosts?: readonly string[];
}

/** Why a remote fetch failed, in words safe to show to a client. */
export class RemoteFetchError extends Error {}

const REFUSED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  REFUSED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(net, bits, 'ipv6');
}

/** Whether an address is one a catalog URL may not reach (IPv4-mapped IPv6 checked as IPv4). */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return REFUSED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family === 6) return REFUSED.check(address, 'ipv6');
  return true;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A DNS lookup for node:http that fails when any address of the host is refused. */
function guardedLookup(allow: ReadonlySet<string>) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allow.has(hostname) && list.some((a) => isRefusedAddress(a.address))) {
        return callback(Object.assign(new Error('refused target'), { code: 'EREFUSEDTARGET' }), []);
      }
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** The body of `url` (http or https), within the limits above. */
export async function fetchRemoteMedia(url: string, o: RemoteFetchOptions = {}): Promise<Uint8Array> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxBytes = o.maxBytes ?? 20 * 1024 * 1024;
  const maxRedirects = o.maxRedirects ?? 3;
  const allow = new Set(o.allowHosts ?? []);
  const deadline = Date.now() + timeoutMs;
  let current = url;
  for (let hop = 0; ; hop++) {
    const target = new URL(current);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new RemoteFetchError('only http and https media URLs are fetched');
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allow.has(host) && isRefusedAddress(host)) {
      throw new RemoteFetchError('refused target (a private, loopback or link-local address)');
    }
    const res = await get(target, guardedLookup(allow), deadline);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= maxRedirects) throw new RemoteFetchError(`more than ${maxRedirects} redirects`);
      current = new URL(res.headers.location, target).toString();
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new RemoteFetchError(`HTTP ${status}`);
    }
    return readCapped(res, maxBytes, deadline);
  }
}

function get(
  target: URL,
  lookup: ReturnType<typeof guardedLookup>,
  deadline: number,
): Promise<IncomingMessage> {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'GET', lookup, timeout: Math.max(1, deadline - Date.now()) }, resolve);
    req.on('timeout', () => req.destroy(new RemoteFetchError('timed out')));
    req.on('error', (err) => {
      if (err instanceof RemoteFetchError) return reject(err);
      const code = (err as { code?: string }).code;
      reject(
        new RemoteFetchError(
          code === 'EREFUSEDTARGET'
            ? 'refused target (a private, loopback or link-local address)'
            : 'unreachable',
        ),
      );
    });
    req.end();
  });
}

function readCapped(res: IncomingMessage, maxBytes: number, deadline: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      return reject(new RemoteFetchError(`larger than ${maxBytes} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(
      () => res.destroy(new RemoteFetchError('timed out')),
      Math.max(1, deadline - Date.now()),
    );
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) res.destroy(new RemoteFetchError(`larger than ${maxBytes} bytes`));
      else chunks.push(c);
    });
    res.on('end', () => {
      clearTimeout(timer);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    res.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof RemoteFetchError ? err : new RemoteFetchError('unreachable'));
    });
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.complete)
        reject(
          new RemoteFetchError(size > maxBytes ? `larger than ${maxBytes} bytes` : 'connection closed early'),
        );
    });
  });
}
