import { Injectable, Logger } from '@nestjs/common';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { AppConfig } from '@authfarm/config';
import {
  AccessLog,
  Metrics,
  pathOf,
  requestIdFrom,
  roundMs,
  type ErrorCode,
} from '@authfarm/platform';
import { Routes, type Route } from '../upstreams/routes.js';
import type { Upstream, UpstreamPool } from '../upstreams/upstream-pool.js';
import { downstreamHeaders, upstreamHeaders } from './header-policy.js';
import { securityHeaders } from './security-headers.js';

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Errors that mean the request never reached an application: safe to try another replica.
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * The farm's one HTTP entry point: a plain node:http reverse proxy with keep-alive pools, so the
 * hop costs as little CPU as possible. Routes `/auth/*` and `/.well-known/*` to the auth
 * service and `/api/*` to the resource replicas.
 */
@Injectable()
export class ProxyServer {
  private readonly logger = new Logger('gateway');
  private readonly server: Server;
  private readonly maxBody: number;
  private readonly timeoutMs: number;
  private readonly security = securityHeaders();

  constructor(
    config: AppConfig,
    private readonly routes: Routes,
    private readonly metrics: Metrics,
    private readonly access: AccessLog,
  ) {
    this.maxBody = config.env.GATEWAY_MAX_BODY_BYTES;
    this.timeoutMs = config.env.UPSTREAM_TIMEOUT_MS;
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
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Stops accepting connections and waits for in-flight requests to finish. */
  async close(): Promise<void> {
    this.server.closeIdleConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdFrom(req.headers);
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of this.security) res.setHeader(name, value);
    const route = this.routes.match(req.url ?? '/');
    if (this.access.enabled) this.logWhenDone(req, res, requestId, route);
    if (route.kind === 'local') {
      void route.serve(req, res).then(() => this.metrics.request(route.name, res.statusCode));
      return;
    }
    if (route.kind === 'none') return this.fail(res, 404, 'NOT_FOUND', requestId, 'none');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) {
      return this.fail(res, 413, 'PAYLOAD_TOO_LARGE', requestId, route.name, true);
    }
    const headers = upstreamHeaders(req.headers, {
      requestId,
      clientIp: req.socket.remoteAddress ?? '',
      proto: 'http',
    });
    this.forward(req, res, route.pool, headers, requestId, undefined);
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

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    pool: UpstreamPool,
    headers: ReturnType<typeof upstreamHeaders>,
    requestId: string,
    failed: Upstream | undefined,
  ): void {
    const upstream = pool.pick(failed);
    if (!upstream) return this.fail(res, 503, 'UPSTREAM_UNAVAILABLE', requestId, pool.name);
    upstream.inflight++;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        upstream.inflight--;
      }
    };
    const outgoing = httpRequest(
      {
        host: upstream.host,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: upstream.agent,
        timeout: this.timeoutMs,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, downstreamHeaders(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', () => {
          finish();
          this.metrics.request(pool.name, upstreamRes.statusCode ?? 502);
        });
        upstreamRes.on('error', () => {
          finish();
          res.destroy();
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      if (res.headersSent) return void res.destroy();
      const refused = error.code !== undefined && CONNECT_ERRORS.has(error.code);
      // A reset may be a keep-alive socket the upstream just closed: retry, but do not eject.
      if (refused && error.code !== 'ECONNRESET') pool.eject(upstream);
      const retry = refused && failed === undefined && RETRYABLE_METHODS.has(req.method ?? '');
      if (retry) return this.forward(req, res, pool, headers, requestId, upstream);
      if (error.code === 'ETIMEDOUT')
        return this.fail(res, 504, 'UPSTREAM_TIMEOUT', requestId, pool.name);
      this.fail(res, 502, 'BAD_GATEWAY', requestId, pool.name);
    });
    this.pipeBody(req, res, outgoing, requestId, pool.name);
  }

  // Streams the body upstream, cutting it off with 413 once it passes the limit.
  private pipeBody(
    req: IncomingMessage,
    res: ServerResponse,
    outgoing: ReturnType<typeof httpRequest>,
    requestId: string,
    route: string,
  ): void {
    if (req.method === 'GET' || req.method === 'HEAD') return void outgoing.end();
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > this.maxBody) {
        req.unpipe(outgoing);
        outgoing.destroy();
        this.fail(res, 413, 'PAYLOAD_TOO_LARGE', requestId, route, true);
        return;
      }
      outgoing.write(chunk);
    });
    req.on('end', () => outgoing.end());
  }

  private fail(
    res: ServerResponse,
    status: number,
    code: GatewayErrorCode,
    requestId: string,
    route: string,
    close = false,
  ): void {
    this.metrics.request(route, status);
    if (res.headersSent) return void res.destroy();
    if (status >= 500) this.logger.warn({ reqId: requestId, code, upstream: route }, 'failed');
    const body = JSON.stringify({ error: code, message: MESSAGES[code], request_id: requestId });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(close ? { connection: 'close' } : {}),
      ...(status === 503 ? { 'retry-after': '1' } : {}),
    });
    res.end(body);
  }
}

type GatewayErrorCode =
  | Extract<ErrorCode, 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE'>
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'BAD_GATEWAY';

const MESSAGES: Record<GatewayErrorCode, string> = {
  NOT_FOUND: 'Not found.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UPSTREAM_UNAVAILABLE: 'No server is available to handle the request.',
  UPSTREAM_TIMEOUT: 'The server did not answer in time.',
  BAD_GATEWAY: 'The server could not complete the request.',
};
