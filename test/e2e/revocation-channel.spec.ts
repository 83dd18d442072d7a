import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FaultProxy, type Farm } from '@authfarm/farm';
import { call } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';
import { metricTotal } from '../support/metrics.js';
import { startTestFarm } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';
import { TestUser, bearer } from '../support/users.js';

// Guards against a revocation lost while a replica's event channel is down: pub/sub does not
// replay, so the replica must reload the durable list when it reconnects. The replicas reach
// Redis through a proxy this test cuts; the auth service keeps its own direct connection.
let starting: Promise<Farm>;
let farm: Farm;
let proxy: FaultProxy;

beforeAll(async () => {
  const target = new URL(testEnv().redisUrl);
  proxy = new FaultProxy(target.hostname, Number(target.port || 6379));
  const port = await proxy.start();
  starting = startTestFarm(
    { REPLICAS: '2', JWT_TTL: '60', HYBRID_CHANNEL_POLICY: 'fail-closed' },
    { REDIS_URL: `redis://127.0.0.1:${port}` },
  );
  farm = await starting;
});
afterAll(async () => {
  await (await starting?.catch(() => undefined))?.stop();
  await proxy?.stop();
});

const statuses = async (headers: Record<string, string>): Promise<number[]> =>
  (await Promise.all(farm.replicas.map((r) => call(`${r.url}/api/me`, { headers })))).map(
    (r) => r.status,
  );

describe('the revocation channel is cut and restored', () => {
  it('fails closed while cut, reports staleness, and loses no revocation made meanwhile', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const revoked = bearer(await user.tokens('hybrid'));
    const survivor = bearer(await (await TestUser.register(farm.gatewayUrl)).tokens('hybrid'));
    expect(await statuses(revoked)).toEqual([200, 200]);

    await proxy.cut();
    try {
      await waitFor(
        'every replica fails closed',
        async () => (await statuses(survivor)).every((s) => s === 503),
        3000,
      );
      const staleness = await metricTotal(
        farm.replicas[0].url,
        'authfarm_revocation_staleness_seconds',
      );
      expect(staleness).toBeGreaterThan(0);
      // Revoked while no replica can hear it.
      expect(
        (await call(`${farm.gatewayUrl}/auth/logout-all`, { method: 'POST', headers: revoked }))
          .status,
      ).toBe(204);
    } finally {
      await proxy.restore();
    }

    await waitFor(
      'every replica is fresh again',
      async () => (await statuses(survivor)).every((s) => s === 200),
      10_000,
    );
    expect(await statuses(revoked)).toEqual([401, 401]);
    expect(await metricTotal(farm.replicas[0].url, 'authfarm_revocation_staleness_seconds')).toBe(
      0,
    );
  });
});
