import { afterEach, describe, expect, it } from '@jest/globals';
import { DnsDiscovery } from './dns-discovery.js';
import { UpstreamPool } from './upstream-pool.js';

describe('DnsDiscovery', () => {
  const pool = new UpstreamPool('api', { probeIntervalMs: 1000, probeTimeoutMs: 100 });
  afterEach(() => pool.close());

  it('fills the pool with every address the name resolves to, on the given port', async () => {
    const discovery = new DnsDiscovery(pool, 'localhost:3002', 60_000);
    await discovery.start();
    discovery.stop();
    expect(pool.size).toBeGreaterThanOrEqual(1);
    const picked = pool.pick();
    expect(picked?.port).toBe(3002);
    expect(['127.0.0.1', '::1']).toContain(picked?.host);
  });

  it('keeps the last known members when the name stops resolving', async () => {
    pool.setOrigins(['http://127.0.0.1:3002']);
    const discovery = new DnsDiscovery(pool, 'no-such-host.invalid:3002', 60_000);
    await discovery.start();
    discovery.stop();
    expect(pool.size).toBe(1);
  });
});
