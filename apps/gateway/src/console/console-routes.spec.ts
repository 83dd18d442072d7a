import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '@authfarm/config';
import { UpstreamPool } from '../upstreams/upstream-pool.js';
import { ConsoleRoutes } from './console-routes.js';

// Guards the console's edge: a request path must never reach the file system, the page may frame
// only its two devices (and a device only the page), a Host header must not be echoed into a
// policy unchecked, and the controls must change nothing (404) where no farm runner is behind the
// gateway, refuse an oversized body unread, and answer 503 fast when the runner is gone.

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw request, so the test chooses the Host header and the exact path bytes. */
function send(
  port: number,
  path: string,
  options: { method?: string; host?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? 'farm.localhost:8080', ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const pools = () => ({
  auth: new UpstreamPool('auth', { probeIntervalMs: 1000, probeTimeoutMs: 100 }),
  resource: new UpstreamPool('api', { probeIntervalMs: 1000, probeTimeoutMs: 100 }),
});

async function serveRoutes(routes: ConsoleRoutes): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => void routes.serve(req, res, 'test-request-id'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const assets = mkdtempSync(join(tmpdir(), 'console-assets-'));
writeFileSync(join(assets, 'index.html'), '<!doctype html><title>authfarm</title>');
writeFileSync(join(assets, 'device.html'), '<!doctype html><title>device</title>');
writeFileSync(join(assets, 'console.js'), 'export {};');

describe('the console without a farm runner', () => {
  let routes: ConsoleRoutes;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    routes = new ConsoleRoutes(new AppConfig('gateway', {}), pools(), assets);
    ({ server, port } = await serveRoutes(routes));
  });
  afterAll(async () => {
    routes.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('moves a loopback host to farm.localhost, keeping the port', async () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']) {
      const reply = await send(port, '/', { host });
      expect(reply.status).toBe(302);
      expect(reply.headers.location).toBe('http://farm.localhost:8080/');
    }
  });

  it('serves the page with a policy that frames only the two devices', async () => {
    const reply = await send(port, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = reply.headers['content-security-policy'];
    expect(csp).toContain('frame-src laptop.farm.localhost:8080 phone.farm.localhost:8080');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
  });

  it('lets a device be framed by the page and nothing else', async () => {
    const reply = await send(port, '/console/device.html', { host: 'laptop.farm.localhost:8080' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toContain(
      'frame-ancestors farm.localhost:8080',
    );
  });

  it('never repeats a Host header that could break out of the policy', async () => {
    const reply = await send(port, '/', { host: "evil.test; script-src 'unsafe-inline'" });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toContain("frame-src 'none'");
    expect(reply.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('serves only the files that were built, whatever the path says', async () => {
    expect((await send(port, '/console/console.js')).status).toBe(200);
    for (const path of [
      '/console/../package.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/..%2fpackage.json',
      '/console/index.html.map',
    ]) {
      const reply = await send(port, path);
      expect(reply.status).toBe(404);
      expect(JSON.parse(reply.body)).toEqual({
        error: 'NOT_FOUND',
        message: 'Not found.',
        request_id: 'test-request-id',
      });
    }
  });

  it('answers 405 with Allow to a write on a page', async () => {
    const reply = await send(port, '/', { method: 'POST', body: '{}' });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'METHOD_NOT_ALLOWED' });
  });

  it('answers 404 to every control and changes nothing', async () => {
    const reply = await send(port, '/console/api/stores/redis', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"up":false}',
    });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({
      error: 'CONSOLE_CONTROLS_OFF',
      request_id: 'test-request-id',
    });
  });
});

describe('the console in front of a farm runner', () => {
  let control: Server;
  let controlPort: number;
  let routes: ConsoleRoutes;
  let server: Server;
  let port: number;
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> =
    [];
  beforeAll(async () => {
    control = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(405, { 'content-type': 'application/json', allow: 'POST' });
        res.end('{"error":"METHOD_NOT_ALLOWED"}');
      });
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    controlPort = (control.address() as AddressInfo).port;
    const config = new AppConfig('gateway', {
      CONSOLE_CONTROL_URL: `http://127.0.0.1:${controlPort}`,
    });
    routes = new ConsoleRoutes(config, pools(), assets);
    ({ server, port } = await serveRoutes(routes));
  });
  afterAll(async () => {
    routes.close();
    await new Promise((resolve) => server.close(resolve));
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
  });

  it('forwards a control with its body, admin token and request id, and passes Allow back', async () => {
    const reply = await send(port, '/console/api/replicas', {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer admin-token-1234567',
        cookie: '__Host-sid=secret',
      },
      body: '{"count":2}',
    });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST');
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      method: 'PUT',
      url: '/console/api/replicas',
      body: '{"count":2}',
    });
    expect(last.headers.authorization).toBe('Bearer admin-token-1234567');
    expect(last.headers['x-request-id']).toBe('test-request-id');
    // A device's credential is not the runner's business.
    expect(last.headers.cookie).toBeUndefined();
  });

  it('refuses a control body over 1 KB without forwarding it', async () => {
    const before = seen.length;
    const reply = await send(port, '/console/api/replicas', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, pad: 'x'.repeat(2000) }),
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    expect(seen.length).toBe(before);
  });

  it('answers 503 at once when the farm runner is gone', async () => {
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
    const started = Date.now();
    const reply = await send(port, '/console/api/farm');
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'CONSOLE_CONTROLS_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
