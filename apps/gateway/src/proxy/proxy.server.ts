import { Injectable, Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppConfig } from '@authfarm/config';
import { AccessLog, Metrics, pathOf, requestIdFrom, roundMs } from '@authfarm/platform';
import { describeRequest, type ConsoleFeed } from '../console/console-feed.js';
import { Routes, type Route } from '../upstreams/routes.js';
import { GATEWAY_ERROR_MESSAGES, type GatewayErrorCode } from './gateway-errors.js';
import { ResponseHeaders } from './header-policy.js';
import { ProxyExchange, type ProxyContext } from './proxy-exchange.js';
import { securityHeaders } from './security-headers.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The farm's one HTTP entry point: a node:http server whose proxied requests go out on the
 * gateway's own keep-alive connections (upstreams/), so the hop costs as little CPU as possible
 * (docs/decisions/0004-gateway-proxy.md). Routes `/auth/*` and `/.well-known/*` to the auth
 * service and `/api/*` to the resource replicas.
 */
@Injectable()
export class ProxyServer implements ProxyContext {
  readonly maxBody: number;
  private readonly security = securityHeaders();
  readonly responseHeaders = new ResponseHeaders(this.security);
  private readonly logger = new Logger('gateway');
  private readonly server: Server;
  private readonly drainLimitMs: number;
  private draining = false;
  private readonly feed: ConsoleFeed;

  constructor(
    config: AppConfig,
    private readonly routes: Routes,
    private readonly metrics: Metrics,
    private readonly access: AccessLog,
  ) {
    this.maxBody = config.env.GATEWAY_MAX_BODY_BYTES;
    this.feed = routes.console.feed;
    this.drainLimitMs = config.env.UPSTREAM_TIMEOUT_MS;
    // Oversized request headers are answered 431 by node:http itself.
    this.server = createServer(
      { maxHeaderSize: config.env.GATEWAY_MAX_HEADER_BYTES, keepAliveTimeout: 65_000 },
      (req, res) => this.handle(req, res),
    );
    // Malformed or oversized requests never reach handle(): answer them with JSON too.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const [status, code] =
        error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE'] : [400, 'BAD_REQUEST'];
      const body = JSON.stringify({ error: code, message: 'The request could not be read.' });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `content-type: ${JSON_TYPE}\r\ncontent-length: ${body.length}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Stops accepting connections and waits for in-flight requests to finish. */
  /**
   * Drains: stops accepting, lets in-flight requests finish, and closes each keep-alive connection
   * as soon as it is idle (an idle client must not hold the exit open). A stream (SSE) or a stuck
   * client is cut after the upstream timeout, so a drain always ends.
   */
  async close(): Promise<void> {
    this.draining = true;
    this.feed.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
    const bound = setTimeout(() => this.server.closeAllConnections(), this.drainLimitMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(bound);
  }

  count(route: string, status: number): void {
    this.metrics.request(route, status);
  }

  fail(
    res: ServerResponse,
    status: number,
    code: GatewayErrorCode,
    requestId: string,
    route: string,
    close = false,
  ): void {
    this.metrics.request(route, status);
    if (res.headersSent) return void res.destroy();
    if (status >= 500) this.logger.warn(`${requestId} ${code} (${route})`);
    const body = JSON.stringify({
      error: code,
      message: GATEWAY_ERROR_MESSAGES[code],
      request_id: requestId,
    });
    const extra = ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))];
    if (close) extra.push('connection', 'close');
    if (status === 503) extra.push('retry-after', '1');
    res.writeHead(status, this.responseHeaders.own(requestId, extra));
    res.end(body);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const route = this.routes.match(req.url ?? '/');
    const requestId = requestIdFrom(req.headers);
    // While draining, a request on an open keep-alive connection is answered with
    // `Connection: close`, so the client moves to another gateway.
    if (this.draining) res.shouldKeepAlive = false;
    if (this.access.enabled) this.logWhenDone(req, res, requestId, route);
    if (route.kind === 'proxy') {
      if (Number(req.headers['content-length'] ?? 0) > this.maxBody) {
        return this.fail(res, 413, 'PAYLOAD_TOO_LARGE', requestId, route.name, true);
      }
      const exchange = new ProxyExchange(this, req, res, route.pool, requestId);
      // Only while someone watches the console: no watcher, no event, no listener.
      if (this.feed.watching) this.publishWhenDone(req, res, route.name, exchange);
      return exchange.start();
    }
    if (route.kind === 'none') return this.fail(res, 404, 'NOT_FOUND', requestId, 'none');
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of this.security) res.setHeader(name, value);
    const served =
      route.kind === 'console'
        ? this.routes.console.serve(req, res, requestId)
        : route.serve(req, res);
    void served.then(
      () => this.metrics.request(route.name, res.statusCode),
      () => res.destroy(),
    );
  }

  private publishWhenDone(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    exchange: ProxyExchange,
  ): void {
    const started = performance.now();
    res.once('close', () =>
      this.feed.publish(
        describeRequest(req, route, exchange.origin, res.statusCode, performance.now() - started),
      ),
    );
  }

  // One access line when the response ends or breaks off, whichever path answered it.
  private logWhenDone(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    route: Route,
  ): void {
    const started = performance.now();
    res.once('close', () =>
      this.access.write({
        reqId: requestId,
        method: req.method ?? '',
        url: pathOf(req.url ?? '/'),
        upstream: route.kind === 'proxy' ? route.name : undefined,
        status: res.statusCode,
        ms: roundMs(performance.now() - started),
        aborted: res.writableFinished ? undefined : true,
      }),
    );
  }
}
