import { Agent, request } from 'node:http';

/** One replica behind the gateway, with its own keep-alive connection pool. */
export interface Upstream {
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly agent: Agent;
  healthy: boolean;
  inflight: number;
}

export interface UpstreamPoolOptions {
  /** How often an ejected upstream is probed on /health/ready before it is put back. */
  probeIntervalMs: number;
  probeTimeoutMs: number;
}

/**
 * A set of equivalent upstreams, spread least-busy with round-robin among ties. An upstream that
 * refuses a connection is ejected and probed until it is ready again.
 */
export class UpstreamPool {
  private upstreams: Upstream[] = [];
  private next = 0;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly options: UpstreamPoolOptions,
  ) {}

  /** Replaces the member list (static config or DNS), keeping pools of members that stay. */
  setOrigins(origins: readonly string[]): void {
    const existing = new Map(this.upstreams.map((u) => [u.origin, u]));
    const kept = new Set<string>();
    this.upstreams = origins.map((origin) => {
      kept.add(origin);
      return existing.get(origin) ?? createUpstream(origin);
    });
    for (const [origin, upstream] of existing) {
      if (!kept.has(origin)) upstream.agent.destroy();
    }
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
    for (const upstream of this.upstreams) upstream.agent.destroy();
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

function createUpstream(origin: string): Upstream {
  const url = new URL(origin);
  return {
    origin: url.origin,
    host: url.hostname.replace(/^\[|\]$/g, ''), // node:http wants ::1, not [::1]
    port: Number(url.port || 80),
    agent: new Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 32 }),
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
