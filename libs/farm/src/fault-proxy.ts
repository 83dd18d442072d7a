import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real store, for the benchmark and the fault tests: it adds a fixed
 * delay to every chunk in each direction (a store in another zone) and can be cut and restored
 * (an outage), without touching the store other processes use. The delay can change while
 * connections are open.
 */
export class FaultProxy {
  delayMs = 0;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      this.pipe(client, upstream);
      this.pipe(upstream, client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Closes for good (a second cut is harmless). */
  async stop(): Promise<void> {
    await this.cut().catch(() => undefined);
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  private pipe(from: Socket, to: Socket): void {
    this.sockets.add(from);
    from.on('close', () => {
      this.sockets.delete(from);
      to.destroy();
    });
    from.on('error', () => from.destroy());
    from.on('data', (chunk) => {
      if (this.delayMs <= 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), this.delayMs);
    });
  }
}
