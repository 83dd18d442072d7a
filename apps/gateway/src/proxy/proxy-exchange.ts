import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Exchange,
  UpstreamConnection,
  UpstreamError,
} from '../upstreams/upstream-connection.js';
import type { Upstream, UpstreamPool } from '../upstreams/upstream-pool.js';
import { requestHead, type ResponseHeaders } from './header-policy.js';
import type { GatewayErrorCode } from './gateway-errors.js';

/** What every exchange of one gateway shares. */
export interface ProxyContext {
  readonly maxBody: number;
  readonly responseHeaders: ResponseHeaders;
  /** Counts a proxied request by route and status. */
  count(route: string, status: number): void;
  /** Answers with a JSON error (and counts it). */
  fail(
    res: ServerResponse,
    status: number,
    code: GatewayErrorCode,
    requestId: string,
    route: string,
    close?: boolean,
  ): void;
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One proxied request: picks an upstream, sends the request, streams the response back, and
 * decides what a failure becomes. A refused connection means the request never left the gateway,
 * so it goes to another member whatever its method, and 503 once none is left; a connection that
 * dropped before answering is retried once for idempotent methods, else 502; silence past the
 * timeout is 504. One object per request and no closures on the common path.
 */
export class ProxyExchange implements Exchange {
  private upstream: Upstream | undefined;
  private connection: UpstreamConnection | undefined;
  private builtHead: string | undefined;
  private status = 0;
  private retried = false;
  private bodyStarted = false;
  private streaming = false;
  private corked = false;
  private paused = false;
  private done = false;
  private readonly hasBody: boolean;

  /** The member that got the request (the last one tried), for the console's feed. */
  get origin(): string | undefined {
    return this.upstream?.origin;
  }

  constructor(
    private readonly context: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly pool: UpstreamPool,
    private readonly requestId: string,
  ) {
    const headers = req.headers;
    this.hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  }

  /** Sends the request to a member other than `exclude` (or to `exclude` again if `orSame`). */
  start(exclude?: Upstream, orSame = false): void {
    let upstream = this.pool.pick(exclude);
    if (!upstream && orSame && exclude?.healthy) upstream = exclude;
    if (!upstream) return this.answer(503, 'UPSTREAM_UNAVAILABLE');
    upstream.inflight++;
    this.upstream = upstream;
    upstream.connections.dispatch(this);
  }

  connected(connection: UpstreamConnection): void {
    this.connection = connection;
    const req = this.req;
    // The head depends on the member only when the client sent no Host.
    const head =
      this.builtHead ??
      requestHead(
        req.method!,
        req.url!,
        req.headers,
        { requestId: this.requestId, clientIp: req.socket.remoteAddress ?? '', proto: 'http' },
        this.upstream!.authority,
      );
    if (req.headers.host !== undefined) this.builtHead = head;
    connection.send(head, req.method === 'HEAD', !this.hasBody);
    if (this.hasBody) this.streamBody(connection);
  }

  head(status: number, headers: string[]): void {
    this.status = status;
    this.res.writeHead(status, this.context.responseHeaders.merge(headers, this.requestId));
  }

  body(chunk: Buffer, last: boolean): void {
    const res = this.res;
    if (last) return void res.end(chunk);
    // What one read from the upstream held goes out in one write: flush() or end() uncorks.
    if (!this.corked) {
      this.corked = true;
      res.cork();
    }
    if (!res.write(chunk) && !this.paused) {
      const connection = this.connection!;
      this.paused = true;
      connection.pause();
      res.once('drain', () => {
        if (this.paused) connection.resume();
        this.paused = false;
      });
    }
  }

  flush(): void {
    if (!this.streaming && this.status !== 0) {
      // The response outlasts a read (SSE, a large body): let go of the upstream connection
      // when the client leaves.
      this.streaming = true;
      const connection = this.connection;
      this.res.once('close', () => {
        if (!this.done) connection?.destroy();
      });
    }
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  }

  end(): void {
    this.done = true;
    this.corked = false; // res.end() uncorks
    // The connection goes back to the pool: it must read again whatever this client does.
    if (this.paused) this.connection!.resume();
    this.paused = false;
    this.connection = undefined;
    this.upstream!.inflight--;
    if (!this.res.writableEnded) this.res.end();
    this.context.count(this.pool.name, this.status);
  }

  failed(error: UpstreamError): void {
    const upstream = this.upstream!;
    upstream.inflight--;
    this.connection = undefined;
    if (this.done) return;
    if (this.res.headersSent) {
      this.done = true;
      this.context.count(this.pool.name, this.status);
      return void this.res.destroy();
    }
    switch (error.failure) {
      case 'refused':
        this.pool.eject(upstream);
        return this.start(upstream);
      case 'reset':
        // Most likely a keep-alive connection the upstream had closed (a restart, an idle
        // timeout): its other idle ones are suspect too, and a new connection may do.
        upstream.connections.dropIdle();
        if (!this.retried && !this.bodyStarted && RETRYABLE_METHODS.has(this.req.method!)) {
          this.retried = true;
          return this.start(upstream, true);
        }
        return this.answer(502, 'BAD_GATEWAY');
      case 'timeout':
        return this.answer(504, 'UPSTREAM_TIMEOUT');
      case 'broken':
        return this.answer(502, 'BAD_GATEWAY');
    }
  }

  private answer(status: number, code: GatewayErrorCode, close = false): void {
    this.done = true;
    this.context.fail(this.res, status, code, this.requestId, this.pool.name, close);
  }

  // Streams the body upstream (re-framed chunked if it came chunked), cutting it off with 413
  // once it passes the limit. Only requests with a body pay for these listeners.
  private streamBody(connection: UpstreamConnection): void {
    const req = this.req;
    const chunked = req.headers['transfer-encoding'] !== undefined;
    let received = 0;
    this.bodyStarted = true;
    const onData = (chunk: Buffer): void => {
      if (this.done || this.connection !== connection) return;
      received += chunk.length;
      if (received > this.context.maxBody) {
        connection.destroy();
        return this.answer(413, 'PAYLOAD_TOO_LARGE', true);
      }
      let flushed: boolean;
      if (chunked) {
        connection.cork();
        connection.write(`${chunk.length.toString(16)}\r\n`);
        connection.write(chunk);
        flushed = connection.write('\r\n');
        connection.uncork();
      } else {
        flushed = connection.write(chunk);
      }
      if (!flushed) {
        req.pause();
        connection.onceDrain(() => req.resume());
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (this.done || this.connection !== connection) return;
      if (chunked) connection.write('0\r\n\r\n');
      connection.sent();
    });
    req.once('close', () => {
      // The client went away mid-body: the upstream would wait for the rest until the timeout.
      if (!req.complete && this.connection === connection) connection.destroy();
    });
  }
}
