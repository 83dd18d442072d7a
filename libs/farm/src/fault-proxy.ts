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

  /** Accepting connections: neither cut nor stopped. */
  get up(): boolean {
    return this.server?.listening ?? false;
  }

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

  // One direction of one connection. Data and the close that follows it go through one FIFO, so
  // a delay never reorders bytes (even when it shrinks mid-stream) and a peer that answers and
  // hangs up (Redis QUIT) has its answer delivered before the hang-up. A cut skips the queue.
  private pipe(from: Socket, to: Socket): void {
    this.sockets.add(from);
    const queue: Array<{ at: number; run: () => void }> = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      while (queue.length > 0 && queue[0].at <= Date.now()) queue.shift()!.run();
      if (queue.length > 0) timer = setTimeout(flush, queue[0].at - Date.now());
    };
    const later = (run: () => void): void => {
      if (this.delayMs <= 0 && queue.length === 0) return run();
      queue.push({ at: Date.now() + this.delayMs, run });
      timer ??= setTimeout(flush, Math.max(0, queue[0].at - Date.now()));
    };
    from.on('data', (chunk) => later(() => to.writable && to.write(chunk)));
    from.on('end', () => later(() => to.end()));
    from.on('close', () => {
      this.sockets.delete(from);
      later(() => {
        if (!to.writableEnded) to.destroy();
      });
    });
    from.on('error', () => from.destroy());
  }
}
