import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AccessLog, Metrics, createLogger } from '@authfarm/platform';
import { ProxyServer } from '../proxy/proxy.server.js';
import { Routes } from '../upstreams/routes.js';

// Guards the promise that the console costs the request path nothing while nobody watches (no
// event is built), that a watcher sees each proxied request with its lane and credential kind but
// never the credential, and that watchers are bounded.

let upstream: Server;
let upstreamOrigin: string;
let gateway: ProxyServer;
let routes: Routes;
let port: number;

beforeAll(async () => {
  Logger.overrideLogger(['error']);
  upstream = createServer((_req, res) => res.writeHead(200).end('{}'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamOrigin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const config = new AppConfig('gateway', {
    RESOURCE_UPSTREAMS: upstreamOrigin,
    AUTH_URL: upstreamOrigin,
    CONSOLE_MAX_WATCHERS: '1',
    LOG_LEVEL: 'error',
  });
  const metrics = new Metrics();
  routes = new Routes(config, metrics);
  await routes.onModuleInit();
  gateway = new ProxyServer(config, routes, metrics, new AccessLog(createLogger(config)));
  port = await gateway.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.close();
  routes.onApplicationShutdown();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

function get(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the feed and collects its text until `until` matches it. */
function watch(): { text: () => string; until: (pattern: RegExp) => Promise<void>; close(): void } {
  let text = '';
  let waiting: { pattern: RegExp; resolve: () => void } | undefined;
  const req = request({ host: '127.0.0.1', port, path: '/console/events' }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (waiting?.pattern.test(text)) waiting.resolve();
    });
  });
  req.on('error', () => undefined);
  req.end();
  return {
    text: () => text,
    until: (pattern) =>
      pattern.test(text)
        ? Promise.resolve()
        : new Promise((resolve) => (waiting = { pattern, resolve })),
    close: () => req.destroy(),
  };
}

describe('the console feed', () => {
  it('builds no event for a proxied request while nobody watches', async () => {
    const publish = jest.spyOn(routes.console.feed, 'publish');
    expect(await get('/api/me', { cookie: '__Host-sid=secret-value' })).toBe(200);
    expect(publish).not.toHaveBeenCalled();
    publish.mockRestore();
  });

  it("shows a watcher each request's lane, device and credential kind, never the credential", async () => {
    const feed = watch();
    await feed.until(/event: farm/);
    expect(feed.text()).toContain(`"origin":"${upstreamOrigin}"`);
    await get('/api/me', { cookie: '__Host-sid=secret-value', host: 'laptop.farm.localhost' });
    await get('/api/me', {
      authorization: 'Bearer eyJhbGciOi.secret.token',
      host: 'phone.farm.localhost',
    });
    await feed.until(/"device":"phone"/);
    const events = [...feed.text().matchAll(/event: request\ndata: (.+)\n/g)].map(
      (m) => JSON.parse(m[1]) as Record<string, unknown>,
    );
    expect(events).toEqual([
      expect.objectContaining({
        device: 'laptop',
        kind: 'session',
        lane: upstreamOrigin,
        path: '/api/me',
        status: 200,
        storeRoundTrips: 1,
      }),
      expect.objectContaining({ device: 'phone', kind: 'bearer', storeRoundTrips: 0 }),
    ]);
    expect(feed.text()).not.toContain('secret');
    feed.close();
    // The gateway lets go of a watcher that hung up, and with the last one stops its timers.
    while (routes.console.feed.watching) await new Promise((resolve) => setImmediate(resolve));
  });

  it('refuses a watcher beyond the limit with 503 and Retry-After', async () => {
    const first = watch();
    await first.until(/event: farm/);
    expect(await get('/console/events')).toBe(503);
    first.close();
  });
});
