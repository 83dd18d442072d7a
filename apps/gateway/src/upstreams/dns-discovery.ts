import { lookup } from 'node:dns/promises';
import type { UpstreamPool } from './upstream-pool.js';

/**
 * Keeps a pool in step with a DNS name that resolves to every replica (a compose service name,
 * a Kubernetes headless Service): scaling up or down needs no gateway restart.
 */
export class DnsDiscovery {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly hostPort: string,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.resolve();
    this.timer = setInterval(() => void this.resolve(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async resolve(): Promise<void> {
    const [host, port] = this.hostPort.split(':');
    try {
      const addresses = await lookup(host, { all: true });
      const origins = addresses.map(({ address, family }) =>
        family === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`,
      );
      this.pool.setOrigins([...new Set(origins)].sort());
    } catch {
      // Keep the last known members: a DNS hiccup must not empty the pool.
    }
  }
}
