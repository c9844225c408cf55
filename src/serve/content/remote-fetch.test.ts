import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRemoteMedia, isRefusedAddress, RemoteFetchError } from './remote-fetch.js';

/** Real listeners on loopback: a media host, one that redirects, one that never answers, one huge. */
let hits = 0;
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/ok') {
      res.end(Buffer.from('PNGDATA'));
      return;
    }
    if (req.url === '/to-localhost') {
      res.writeHead(302, { location: `http://localhost:${port}/ok` });
      res.end();
      return;
    }
    if (req.url === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
      return;
    }
    if (req.url === '/huge') {
      res.writeHead(200);
      res.write(Buffer.alloc(600_000));
      res.end(Buffer.alloc(600_000));
      return;
    }
    if (req.url === '/slow') return; // never answers
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const allowed = { allowHosts: ['127.0.0.1'] };

describe('remote media fetch', () => {
  it('classifies addresses: loopback, private, link-local, CGNAT, unique-local, mapped and unspecified are refused', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isRefusedAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111'])
      expect(isRefusedAddress(a), a).toBe(false);
  });

  it('refuses loopback targets by address and by name, before connecting, with a generic reason', async () => {
    const before = hits;
    for (const url of [
      `http://127.0.0.1:${port}/ok`,
      `http://localhost:${port}/ok`,
      `http://[::1]:${port}/ok`,
    ]) {
      const err = await fetchRemoteMedia(url).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(RemoteFetchError);
      expect((err as Error).message).toMatch(/^refused target/);
    }
    // a closed port and an open one read the same: nothing tells which internal ports listen
    const closed = await fetchRemoteMedia('http://127.0.0.1:1/ok').catch((e: unknown) => e);
    expect((closed as Error).message).toMatch(/^refused target/);
    expect(hits).toBe(before);
  });

  it('checks every redirect, caps redirects, the size and the time', async () => {
    expect(new TextDecoder().decode(await fetchRemoteMedia(`http://127.0.0.1:${port}/ok`, allowed))).toBe(
      'PNGDATA',
    );
    const before = hits;
    const redirected = await fetchRemoteMedia(`http://127.0.0.1:${port}/to-localhost`, allowed).catch(
      (e: unknown) => e,
    );
    expect((redirected as Error).message).toMatch(/^refused target/);
    expect(hits).toBe(before + 1); // the redirect's target was never contacted
    const loop = await fetchRemoteMedia(`http://127.0.0.1:${port}/loop`, allowed).catch((e: unknown) => e);
    expect((loop as Error).message).toBe('more than 3 redirects');
    const huge = await fetchRemoteMedia(`http://127.0.0.1:${port}/huge`, {
      ...allowed,
      maxBytes: 1_000_000,
    }).catch((e: unknown) => e);
    expect((huge as Error).message).toBe('larger than 1000000 bytes');
    const t0 = Date.now();
    const slow = await fetchRemoteMedia(`http://127.0.0.1:${port}/slow`, {
      ...allowed,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect((slow as Error).message).toBe('timed out');
    expect(Date.now() - t0).toBeLessThan(3000);
    const missing = await fetchRemoteMedia(`http://127.0.0.1:${port}/nope`, allowed).catch((e: unknown) => e);
    expect((missing as Error).message).toBe('HTTP 404');
  });
});
