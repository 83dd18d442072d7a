import {
  UpstreamConnection,
  UpstreamError,
  type ConnectionOwner,
  type Exchange,
} from './upstream-connection.js';

export interface KeepAlivePoolOptions {
  /** Connections open at most; further exchanges wait for one to come back. */
  maxConnections: number;
  /** Inactivity on a connection with an exchange in flight before it fails as a timeout. */
  timeoutMs: number;
  /**
   * How long an idle connection may be reused: under the upstreams' own keep-alive timeout
   * (Node's default is 5 s), so the gateway rarely sends on a connection being closed.
   */
  idleMs: number;
}

/**
 * The keep-alive connections to one upstream. The most recently used idle connection is reused
 * first, so a quiet period lets the others expire.
 */
export class KeepAlivePool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: Exchange[] = [];
  private open = 0;
  private closing = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: KeepAlivePoolOptions,
  ) {}

  /** Runs `exchange` on an idle connection, a new one, or the next one to come back. */
  dispatch(exchange: Exchange): void {
    const now = this.idle.length > 0 ? Date.now() : 0;
    while (this.idle.length > 0) {
      const connection = this.idle.pop()!;
      if (now - connection.idleSince < this.options.idleMs) return connection.assign(exchange);
      connection.destroy();
    }
    if (this.open < this.options.maxConnections) return this.dial().assign(exchange);
    this.waiting.push(exchange);
  }

  released(connection: UpstreamConnection): void {
    if (this.closing) return connection.destroy();
    const next = this.waiting.shift();
    if (next) return connection.assign(next);
    connection.idleSince = Date.now();
    this.idle.push(connection);
  }

  closed(connection: UpstreamConnection): void {
    this.open--;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.closing ? undefined : this.waiting.shift();
    if (next) this.dial().assign(next);
  }

  /** Closes the idle connections: after one turned out dead, the others likely are too. */
  dropIdle(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  /**
   * Closes idle connections now and busy ones once their exchange is done; waiting exchanges
   * fail as refused, free to go to another member.
   */
  close(): void {
    this.closing = true;
    this.dropIdle();
    for (const exchange of this.waiting.splice(0)) {
      exchange.failed(new UpstreamError('refused', 'ECANCELED'));
    }
  }

  private dial(): UpstreamConnection {
    this.open++;
    return new UpstreamConnection(this, this.host, this.port, this.options.timeoutMs);
  }
}
