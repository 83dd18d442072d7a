import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AccessLog, Metrics, createLogger } from '@authfarm/platform';
import { Routes } from '../upstreams/routes.js';
import { ProxyServer } from './proxy.server.js';

// Guards the gateway's own HTTP/1.1 client against the failures a hand-written proxy invites: a
// request that hangs or turns 500/502 when every member of a route is down, a stream that is
// buffered instead of passed on, a body that is lost or mis-framed, a malformed upstream
// response passed to the client, and forged forwarding headers reaching the services. Real
// sockets on loopback, port 0.

interface Seen {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let upstream: Server;
let gateway: ProxyServer;
let routes: Routes;
let base: string;
let flakyHits = 0;
let releaseStream: () => void = () => undefined;

function serveUpstream(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const seen: Seen = {
      method: req.method!,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    switch (req.url) {
      case '/api/stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        releaseStream = () => res.end('data: two\n\n');
        return;
      case '/api/silent':
        return;
      case '/api/malformed':
        return void res.socket?.end(
          'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        );
      case '/api/flaky':
        // Drops the connection without answering the first time: a stale keep-alive connection.
        if (flakyHits++ % 2 === 0) return void req.socket.destroy();
        break;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  });
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  Logger.overrideLogger(['error']); // the failures below are logged as warnings by design
  upstream = createServer(serveUpstream);
  const upstreamPort = await listening(upstream);
  // A port nobody listens on: connections to it are refused.
  const gone = createServer();
  const deadPort = await listening(gone);
  await new Promise((resolve) => gone.close(resolve));

  const config = new AppConfig('gateway', {
    RESOURCE_UPSTREAMS: `http://127.0.0.1:${upstreamPort}`,
    AUTH_URL: `http://127.0.0.1:${deadPort}`,
    UPSTREAM_TIMEOUT_MS: '500',
    GATEWAY_MAX_BODY_BYTES: '1024',
    LOG_LEVEL: 'error',
  });
  const metrics = new Metrics();
  routes = new Routes(config, metrics);
  await routes.onModuleInit();
  gateway = new ProxyServer(config, routes, metrics, new AccessLog(createLogger(config)));
  base = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}`;
});

afterAll(async () => {
  releaseStream();
  await gateway.close();
  routes.onApplicationShutdown();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

/** A request with a chunked body (no Content-Length), which fetch cannot send. */
function postChunked(path: string, pieces: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

describe('proxying', () => {
  it('forwards method and body, with its own forwarding headers and none the client forged', async () => {
    const reply = await fetch(`${base}/api/echo?x=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '6.6.6.6',
        'x-user-id': 'admin',
        'x-request-id': 'client-chosen-id',
      },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(reply.status).toBe(200);
    const seen = (await reply.json()) as Seen;
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"hello":"world"}');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers).not.toHaveProperty('x-user-id');
    expect(seen.headers['x-request-id']).toBe('client-chosen-id');
    expect(reply.headers.get('x-request-id')).toBe('client-chosen-id');
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
  });

  it('passes a chunked request body on, re-framed', async () => {
    const reply = await postChunked('/api/echo', ['{"a":', '1}']);
    expect(reply.status).toBe(200);
    const seen = JSON.parse(reply.body) as Seen;
    expect(seen.body).toBe('{"a":1}');
    expect(seen.headers['transfer-encoding']).toBe('chunked');
  });

  it('streams a response as the upstream writes it (Server-Sent Events)', async () => {
    const reply = await fetch(`${base}/api/stream`);
    expect(reply.headers.get('content-type')).toBe('text/event-stream');
    const reader = reply.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('data: one\n\n');
    releaseStream();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      rest += Buffer.from(part.value).toString();
    }
    expect(rest).toBe('data: two\n\n');
  });

  it('keeps working across many sequential and parallel requests on reused connections', async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${base}/api/echo`)).status).toBe(200);
    const replies = await Promise.all(Array.from({ length: 40 }, () => fetch(`${base}/api/echo`)));
    expect(replies.map((r) => r.status)).toEqual(Array(40).fill(200));
  });
});

describe('failures', () => {
  it('answers 503 with Retry-After within a second when every member of a route refuses', async () => {
    for (const init of [{ method: 'GET' }, { method: 'POST', body: '{}' }, { method: 'GET' }]) {
      const started = Date.now();
      const reply = await fetch(`${base}/auth/login`, init);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(await reply.json()).toMatchObject({
        error: 'UPSTREAM_UNAVAILABLE',
        request_id: expect.any(String),
      });
    }
  });

  it('answers 504 when the upstream takes the request and stays silent', async () => {
    const reply = await fetch(`${base}/api/silent`);
    expect(reply.status).toBe(504);
    expect(await reply.json()).toMatchObject({ error: 'UPSTREAM_TIMEOUT' });
  });

  it('answers 502 instead of passing on a response it cannot frame', async () => {
    const reply = await fetch(`${base}/api/malformed`);
    expect(reply.status).toBe(502);
    expect(await reply.json()).toMatchObject({ error: 'BAD_GATEWAY' });
  });

  it('retries an idempotent request once when the connection drops unanswered, not a POST', async () => {
    flakyHits = 0;
    expect((await fetch(`${base}/api/flaky`)).status).toBe(200);
    expect(flakyHits).toBe(2);
    flakyHits = 0;
    const post = await fetch(`${base}/api/flaky`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(502);
    expect(flakyHits).toBe(1);
  });

  it('answers 413 to a body over the limit, declared or chunked', async () => {
    const declared = await fetch(`${base}/api/echo`, { method: 'POST', body: 'x'.repeat(2000) });
    expect(declared.status).toBe(413);
    const chunked = await postChunked('/api/echo', ['x'.repeat(800), 'x'.repeat(800)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
  });
});
