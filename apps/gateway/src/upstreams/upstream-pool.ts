import { request } from 'node:http';
import { KeepAlivePool, type KeepAlivePoolOptions } from './keep-alive-pool.js';

/** One replica behind the gateway, with its own keep-alive connection pool. */
export interface Upstream {
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** `host:port` as a Host header field value, for requests that came without one. */
  readonly authority: string;
  readonly connections: KeepAlivePool;
  healthy: boolean;
  inflight: number;
}

export interface UpstreamPoolOptions extends Partial<KeepAlivePoolOptions> {
  /** How often an ejected upstream is probed on /health/ready before it is put back. */
  probeIntervalMs: number;
  probeTimeoutMs: number;
}

const CONNECTION_DEFAULTS: KeepAlivePoolOptions = {
  maxConnections: 128,
  timeoutMs: 10_000,
  idleMs: 4000,
};

/**
 * A set of equivalent upstreams, spread least-busy with round-robin among ties. An upstream that
 * refuses a connection is ejected and probed until it is ready again.
 */
export class UpstreamPool {
  private upstreams: Upstream[] = [];
  private next = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly connectionOptions: KeepAlivePoolOptions;

  constructor(
    readonly name: string,
    private readonly options: UpstreamPoolOptions,
  ) {
    this.connectionOptions = {
      maxConnections: options.maxConnections ?? CONNECTION_DEFAULTS.maxConnections,
      timeoutMs: options.timeoutMs ?? CONNECTION_DEFAULTS.timeoutMs,
      idleMs: options.idleMs ?? CONNECTION_DEFAULTS.idleMs,
    };
  }

  /**
   * Replaces the member list (static config or DNS), keeping pools of members that stay.
   * Returns the members removed: their in-flight requests still finish.
   */
  setOrigins(origins: readonly string[]): Upstream[] {
    const existing = new Map(this.upstreams.map((u) => [u.origin, u]));
    const kept = new Set<string>();
    this.upstreams = origins.map((origin) => {
      kept.add(origin);
      return existing.get(origin) ?? createUpstream(origin, this.connectionOptions);
    });
    const removed = [...existing.values()].filter((u) => !kept.has(u.origin));
    for (const upstream of removed) upstream.connections.close();
    return removed;
  }

  get members(): readonly Upstream[] {
    return this.upstreams;
  }

  get size(): number {
    return this.upstreams.length;
  }

  get healthyCount(): number {
    return this.upstreams.filter((u) => u.healthy).length;
  }

  /** The least busy healthy upstream (round robin among equals), skipping `exclude`. */
  pick(exclude?: Upstream): Upstream | undefined {
    const list = this.upstreams;
    const n = list.length;
    let best: Upstream | undefined;
    for (let i = 0; i < n; i++) {
      const candidate = list[(this.next + i) % n];
      if (!candidate.healthy || candidate === exclude) continue;
      if (!best || candidate.inflight < best.inflight) best = candidate;
      if (best.inflight === 0) break;
    }
    this.next = (this.next + 1) % Math.max(n, 1);
    return best;
  }

  eject(upstream: Upstream): void {
    upstream.healthy = false;
  }

  startProbing(): void {
    this.probeTimer ??= setInterval(() => this.probeEjected(), this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  close(): void {
    clearInterval(this.probeTimer);
    for (const upstream of this.upstreams) upstream.connections.close();
  }

  private probeEjected(): void {
    for (const upstream of this.upstreams) {
      if (upstream.healthy) continue;
      void probe(upstream, this.options.probeTimeoutMs).then((ready) => {
        if (ready) upstream.healthy = true;
      });
    }
  }
}

function createUpstream(origin: string, options: KeepAlivePoolOptions): Upstream {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, ''); // node:net wants ::1, not [::1]
  const port = Number(url.port || 80);
  return {
    origin: url.origin,
    host,
    port,
    authority: url.host,
    connections: new KeepAlivePool(host, port, options),
    healthy: true,
    inflight: 0,
  };
}

function probe(upstream: Upstream, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: upstream.host, port: upstream.port, path: '/health/ready', timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
