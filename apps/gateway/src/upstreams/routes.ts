import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '@authfarm/config';
import { Metrics } from '@authfarm/platform';
import { ConsoleRoutes } from '../console/console-routes.js';
import { DnsDiscovery } from './dns-discovery.js';
import { UpstreamPool } from './upstream-pool.js';

export type Route =
  | { kind: 'proxy'; name: string; pool: UpstreamPool }
  | {
      kind: 'local';
      name: string;
      serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    }
  | { kind: 'console'; name: 'console' }
  | { kind: 'none' };

const CONSOLE_ROUTE: Route = { kind: 'console', name: 'console' };

/** Path prefix to upstream pool, plus the gateway's own health and metrics endpoints. */
@Injectable()
export class Routes implements OnModuleInit, OnApplicationShutdown {
  readonly auth: UpstreamPool;
  readonly resource: UpstreamPool;
  readonly console: ConsoleRoutes;
  private dns: DnsDiscovery | undefined;
  private readonly authRoute: Route;
  private readonly apiRoute: Route;
  private readonly local: Record<string, Route>;

  constructor(
    private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    const options = {
      probeIntervalMs: 500,
      probeTimeoutMs: 1000,
      timeoutMs: config.env.UPSTREAM_TIMEOUT_MS,
    };
    this.auth = new UpstreamPool('auth', options);
    this.resource = new UpstreamPool('api', options);
    this.authRoute = { kind: 'proxy', name: 'auth', pool: this.auth };
    this.apiRoute = { kind: 'proxy', name: 'api', pool: this.resource };
    this.console = new ConsoleRoutes(config, { auth: this.auth, resource: this.resource });
    const json =
      (status: number, body: unknown) => async (_req: IncomingMessage, res: ServerResponse) => {
        res
          .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(body));
      };
    this.local = {
      '/health/live': { kind: 'local', name: 'health', serve: json(200, { status: 'ok' }) },
      '/health/ready': {
        kind: 'local',
        name: 'health',
        serve: async (req, res) => {
          const ready = this.auth.healthyCount > 0 && this.resource.healthyCount > 0;
          await json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' })(req, res);
        },
      },
      '/metrics': {
        kind: 'local',
        name: 'metrics',
        serve: async (_req, res) => {
          const text = await metrics.registry.metrics();
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        },
      },
    };
  }

  async onModuleInit(): Promise<void> {
    const env = this.config.env;
    this.auth.setOrigins(env.AUTH_UPSTREAMS ?? [env.AUTH_URL]);
    if (env.RESOURCE_DNS) {
      this.dns = new DnsDiscovery(this.resource, env.RESOURCE_DNS, env.DNS_REFRESH_MS);
      await this.dns.start();
    } else {
      this.resource.setOrigins(env.RESOURCE_UPSTREAMS ?? []);
    }
    this.auth.startProbing();
    this.resource.startProbing();
  }

  /**
   * New members from the local farm runner (over IPC, when it scales or restarts the farm).
   * Resolves once the removed members have no request in flight, so the runner can stop them.
   */
  async apply(members: { auth: string[]; resource: string[] }, drainMs: number): Promise<void> {
    const removed = [
      ...this.auth.setOrigins(members.auth),
      ...this.resource.setOrigins(members.resource),
    ];
    const deadline = Date.now() + drainMs;
    while (removed.some((u) => u.inflight > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  onApplicationShutdown(): void {
    this.console.close();
    this.dns?.stop();
    this.auth.close();
    this.resource.close();
  }

  match(url: string): Route {
    if (url.startsWith('/api/') || url === '/api') return this.apiRoute;
    if (url.startsWith('/auth/') || url.startsWith('/.well-known/')) return this.authRoute;
    if (ConsoleRoutes.matches(url)) return CONSOLE_ROUTE;
    const query = url.indexOf('?');
    return this.local[query < 0 ? url : url.slice(0, query)] ?? { kind: 'none' };
  }
}
