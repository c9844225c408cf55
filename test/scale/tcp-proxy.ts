/**
 * @module test/scale/tcp-proxy
 * A TCP proxy a test can cut and restore, to take a real PostgreSQL away from one server without
 * stopping the machine's PostgreSQL: `cut()` closes every open connection and refuses new ones,
 * `restore()` accepts again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly open = new Set<Socket>();
  private up = true;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let self: TcpProxy | undefined;
    const server = createServer((client) => {
      if (!self?.up) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: targetHost, port: targetPort });
      for (const s of [client, upstream]) {
        self.open.add(s);
        s.once('close', () => self?.open.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    self = new TcpProxy(server, (server.address() as { port: number }).port);
    return self;
  }

  cut(): void {
    this.up = false;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  restore(): void {
    this.up = true;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((res) => this.server.close(() => res()));
  }
}
