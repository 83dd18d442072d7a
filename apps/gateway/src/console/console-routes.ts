import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { AppConfig } from '@authfarm/config';
import type { UpstreamPool } from '../upstreams/upstream-pool.js';
import { loadAssets, Figures, type Asset } from './console-assets.js';
import { ConsoleFeed } from './console-feed.js';

/** Control requests are a few bytes of JSON; the control server refuses more than this too. */
const MAX_CONTROL_BODY = 1024;
/** Restarting every process with another session store takes a few seconds; never a hang. */
const CONTROL_TIMEOUT_MS = 60_000;
/** The hosts a person types for the local farm; the console moves them to farm.localhost. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;
/** A Host header we are willing to repeat in a CSP or a Location (no `;`, spaces or quotes). */
const SAFE_HOST = /^[A-Za-z0-9.-]{1,200}(:\d{1,5})?$/;

/**
 * The farm console (docs/console.md): the page at `/`, its files under `/console/`, the live
 * feed, the benchmark's figures, and `/console/api/*` forwarded to the local farm runner's
 * controls when there is one (CONSOLE_CONTROL_URL). None of it reaches a replica.
 */
export class ConsoleRoutes {
  readonly feed: ConsoleFeed;
  private readonly assets: Map<string, Asset>;
  private readonly figures: Figures;
  private readonly control: { pool: Pool; origin: string } | undefined;

  constructor(
    config: AppConfig,
    pools: { auth: UpstreamPool; resource: UpstreamPool },
    assetsDir?: string,
  ) {
    const env = config.env;
    this.feed = new ConsoleFeed(pools, { maxWatchers: env.CONSOLE_MAX_WATCHERS });
    this.assets = loadAssets(assetsDir);
    this.figures = new Figures(env.CONSOLE_FIGURES_DIR);
    if (env.CONSOLE_CONTROL_URL) {
      const origin = new URL(env.CONSOLE_CONTROL_URL).origin;
      this.control = {
        origin,
        pool: new Pool(origin, {
          connections: 4,
          headersTimeout: CONTROL_TIMEOUT_MS,
          bodyTimeout: CONTROL_TIMEOUT_MS,
        }),
      };
    }
  }

  static matches(url: string): boolean {
    return url === '/' || url.startsWith('/?') || url.startsWith('/console/');
  }

  async serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (path.startsWith('/console/api/')) return this.forward(req, res, requestId, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(res, 405, 'METHOD_NOT_ALLOWED', `${path} takes GET or HEAD.`, requestId);
    }
    if (path === '/console/events') {
      if (this.feed.full) {
        res.setHeader('retry-after', '5');
        return fail(res, 503, 'TOO_MANY_WATCHERS', 'The console has too many watchers.', requestId);
      }
      return this.feed.watch(req, res);
    }
    if (path.startsWith('/console/figures/')) {
      const figure = await this.figures.read(path.slice('/console/figures/'.length));
      if (!figure) return fail(res, 404, 'NOT_FOUND', 'No benchmark run found.', requestId);
      return send(res, figure);
    }
    const host = req.headers.host ?? '';
    if (path === '/' && LOOPBACK_HOST.test(host)) {
      // Two devices need two cookie jars of one site: laptop.farm.localhost and
      // phone.farm.localhost (docs/console.md).
      const port = /:(\d+)$/.exec(host)?.[1];
      res.writeHead(302, { location: `http://farm.localhost${port ? `:${port}` : ''}/` });
      return void res.end();
    }
    const name = path === '/' ? 'index.html' : path.slice('/console/'.length);
    const asset = this.assets.get(name);
    if (!asset) {
      const message = this.assets.size ? 'Not found.' : 'The console is not built (npm run build).';
      return fail(res, 404, 'NOT_FOUND', message, requestId);
    }
    if (name.endsWith('.html')) this.pageHeaders(res, name, host);
    send(res, asset);
  }

  close(): void {
    this.feed.close();
    void this.control?.pool.close();
  }

  // The page frames its two devices; a device may be framed by the page only. Other responses
  // keep the gateway's `default-src 'none'; frame-ancestors 'none'`.
  private pageHeaders(res: ServerResponse, name: string, host: string): void {
    const safe = SAFE_HOST.test(host) ? host : undefined;
    const base = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";
    if (name === 'device.html') {
      const parent = safe?.split('.').slice(1).join('.');
      res.setHeader(
        'content-security-policy',
        `${base}; connect-src 'self'; frame-ancestors ${parent ? parent : "'none'"}`,
      );
      res.removeHeader('x-frame-options');
    } else {
      const frames = safe ? `laptop.${safe} phone.${safe}` : "'none'";
      res.setHeader(
        'content-security-policy',
        `${base}; connect-src 'self'; frame-src ${frames}; frame-ancestors 'none'`,
      );
    }
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    path: string,
  ): Promise<void> {
    if (!this.control) {
      return fail(
        res,
        404,
        'CONSOLE_CONTROLS_OFF',
        'The console controls run only with the local farm (npm start).',
        requestId,
      );
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_CONTROL_BODY) {
      res.shouldKeepAlive = false;
      return fail(res, 413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.', requestId);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CONTROL_BODY) {
        res.shouldKeepAlive = false;
        return fail(res, 413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.', requestId);
      }
      chunks.push(chunk);
    }
    const headers: Record<string, string> = { 'x-request-id': requestId };
    for (const name of ['content-type', 'authorization'] as const) {
      const value = req.headers[name];
      if (value) headers[name] = value;
    }
    try {
      const reply = await this.control.pool.request({
        path,
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      const body = Buffer.from(await reply.body.arrayBuffer());
      const out: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      const allow = reply.headers.allow;
      if (typeof allow === 'string') out.allow = allow;
      res.writeHead(reply.statusCode, out).end(body);
    } catch {
      fail(res, 503, 'CONSOLE_CONTROLS_UNAVAILABLE', 'The farm runner did not answer.', requestId);
    }
  }
}

function send(res: ServerResponse, asset: Asset): void {
  res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length });
  res.end(asset.body);
}

function fail(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  requestId: string,
): void {
  if (status === 503 && !res.hasHeader('retry-after')) res.setHeader('retry-after', '1');
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify({ error, message, request_id: requestId }));
}
