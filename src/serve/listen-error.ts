/**
 * @module serve/listen-error
 * Turns Node's raw listen errors (`EADDRINUSE`, `EACCES`) into messages that name the port, the
 * interface and the flag that changes them.
 */
import { InvalidArgumentError } from '../errors.js';

/** The error to report when listening on `host:port` failed with `err`. */
export function listenError(err: unknown, port: number, host: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new InvalidArgumentError(
      `port ${port} on ${host} is already in use (another server?): stop it, or choose another port with --port (0 picks a free one)`,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new InvalidArgumentError(
      `no permission to listen on port ${port} on ${host}: choose another port with --port (ports below 1024 need privileges)`,
      { cause: err },
    );
  }
  return err;
}
