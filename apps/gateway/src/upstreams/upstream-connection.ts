import { connect, type Socket } from 'node:net';
import { ResponseParser, type ResponseEvents } from './response-parser.js';

/**
 * How an exchange with an upstream failed, which decides what the gateway may do next:
 * - `refused`: no connection was made (refused, unreachable, connect timeout); the request never
 *   left the gateway, so any request may go to another replica.
 * - `reset`: a reused connection closed before any byte of the response; the request may or may
 *   not have reached the application (a keep-alive connection the upstream had just closed).
 * - `timeout`: the upstream took the request and then stayed silent for the whole timeout.
 * - `broken`: the connection dropped mid-response or the response was malformed.
 */
export type UpstreamFailure = 'refused' | 'reset' | 'timeout' | 'broken';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    readonly code: string,
  ) {
    super(`upstream ${failure} (${code})`);
  }
}

/** One request/response on an upstream connection, seen from the connection. */
export interface Exchange extends ResponseEvents {
  /** The connection is established and reserved for this exchange: send the request now. */
  connected(connection: UpstreamConnection): void;
  /** Everything one read from the connection held has been passed on. */
  flush(): void;
  failed(error: UpstreamError): void;
}

/** What a connection tells the pool it belongs to. */
export interface ConnectionOwner {
  released(connection: UpstreamConnection): void;
  closed(connection: UpstreamConnection): void;
}

const CONNECT_TIMEOUT_MS = 1000;

/**
 * One keep-alive HTTP/1.1 connection to an upstream, carrying one exchange at a time (no
 * pipelining). The request head goes out in a single write; response bytes go through a
 * ResponseParser straight to the exchange.
 */
export class UpstreamConnection implements ResponseEvents {
  /** When the connection last went back to the pool (ms since the epoch). */
  idleSince = 0;
  private readonly socket: Socket;
  private readonly parser = new ResponseParser();
  private exchange: Exchange | undefined;
  private isConnected = false;
  private responding = false;
  private completed = false;
  private requestSent = false;
  private error: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly owner: ConnectionOwner,
    host: string,
    port: number,
    private readonly timeoutMs: number,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.setTimeout(Math.min(CONNECT_TIMEOUT_MS, timeoutMs));
    this.socket.once('connect', () => this.onConnect());
    this.socket.on('data', (data: Buffer) => this.onData(data));
    this.socket.on('timeout', () => this.onTimeout());
    this.socket.on('error', (error: NodeJS.ErrnoException) => (this.error ??= error));
    this.socket.once('close', () => this.onClose());
  }

  /** Reserves the connection for `exchange`, which is told once the connection is up. */
  assign(exchange: Exchange): void {
    this.exchange = exchange;
    if (this.isConnected) exchange.connected(this);
  }

  /**
   * Sends a request head; `bodyless` for HEAD (whose response has no body whatever it says), and
   * `complete` unless body bytes follow, ended by `sent()`.
   */
  send(head: string, bodyless: boolean, complete: boolean): void {
    this.responding = false;
    this.completed = false;
    this.requestSent = complete;
    this.parser.expect(this, bodyless);
    this.socket.write(head, 'latin1');
  }

  /** The last byte of the request body is written. */
  sent(): void {
    this.requestSent = true;
  }

  /** Writes request body bytes; false when the caller should wait for `drain`. */
  write(data: Buffer | string, encoding: BufferEncoding = 'latin1'): boolean {
    return this.socket.write(data, encoding);
  }

  /** Several writes in one system call. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  onceDrain(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Drops the connection; an exchange still on it is failed. */
  destroy(): void {
    this.socket.destroy();
  }

  // ResponseEvents: forwarded to the exchange; completion hands the connection back.
  head(status: number, headers: string[]): void {
    this.exchange?.head(status, headers);
  }

  body(chunk: Buffer, last: boolean): void {
    this.exchange?.body(chunk, last);
  }

  end(): void {
    this.completed = true;
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.end();
  }

  private onConnect(): void {
    this.isConnected = true;
    this.socket.setTimeout(this.timeoutMs);
    this.exchange?.connected(this);
  }

  private onData(data: Buffer): void {
    this.responding = true;
    try {
      this.parser.execute(data);
    } catch (error) {
      this.fail('broken', (error as { code?: string }).code ?? 'UPSTREAM_PROTOCOL');
      this.socket.destroy();
      return;
    }
    if (!this.completed) return this.exchange?.flush();
    this.completed = false;
    // Handed back after the parser returned, so a waiting exchange never starts mid-read; not
    // when the upstream answered before the whole request body was sent.
    if (this.parser.keepAlive && this.requestSent) this.owner.released(this);
    else this.socket.destroy();
  }

  private onTimeout(): void {
    if (!this.isConnected)
      this.error ??= Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' });
    else this.fail('timeout', 'ETIMEDOUT');
    this.socket.destroy();
  }

  private onClose(): void {
    this.parser.closed();
    if (this.exchange) {
      const code = this.error?.code ?? 'ECONNRESET';
      if (!this.isConnected) this.fail('refused', code);
      else this.fail(this.responding ? 'broken' : 'reset', code);
    }
    this.owner.closed(this);
  }

  private fail(failure: UpstreamFailure, code: string): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.failed(new UpstreamError(failure, code));
  }
}
