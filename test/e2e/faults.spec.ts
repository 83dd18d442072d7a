import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { FaultProxy, type Farm } from '@authfarm/farm';
import { call, sessionCookieOf } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';
import { startTestFarm } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';

// Guards against the failures a shared store brings: a request that hangs, or a 500, while the
// store is away; a farm that needs a restart once it is back; a dead replica that keeps getting
// traffic. Redis is reached through a proxy this test can cut.
let starting: Promise<Farm>;
let farm: Farm;
let redis: FaultProxy;
const password = 'correct horse battery';

beforeAll(async () => {
  const target = new URL(testEnv().redisUrl);
  redis = new FaultProxy(target.hostname, Number(target.port || 6379));
  const port = await redis.start();
  starting = startTestFarm({ REPLICAS: '2', REDIS_URL: `redis://127.0.0.1:${port}` });
  farm = await starting;
});
afterAll(async () => {
  await (await starting?.catch(() => undefined))?.stop();
  await redis?.stop();
});

async function credentials(): Promise<{ cookie: string; authorization: string }> {
  const username = `fault-${randomUUID().slice(0, 8)}`;
  await call(`${farm.gatewayUrl}/auth/register`, { body: { username, password } });
  const session = await call(`${farm.gatewayUrl}/auth/login`, {
    body: { username, password, mode: 'session' },
  });
  const jwt = await call<{ access_token: string }>(`${farm.gatewayUrl}/auth/login`, {
    body: { username, password, mode: 'jwt' },
  });
  return { cookie: sessionCookieOf(session), authorization: `Bearer ${jwt.body.access_token}` };
}

describe('the session store goes away', () => {
  it('answers session requests 503 within a second, keeps JWTs working, and recovers by itself', async () => {
    const { cookie, authorization } = await credentials();
    const me = (headers: Record<string, string>) => call(`${farm.gatewayUrl}/api/me`, { headers });
    expect((await me({ cookie })).status).toBe(200);

    await redis.cut();
    try {
      for (let i = 0; i < 4; i++) {
        const started = Date.now();
        const reply = await me({ cookie });
        expect(Date.now() - started).toBeLessThan(1000);
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({
          error: 'SESSION_STORE_UNAVAILABLE',
          request_id: expect.any(String),
        });
        expect(reply.headers.get('retry-after')).toBe('1');
        expect((await me({ authorization })).status).toBe(200);
      }
    } finally {
      await redis.restore();
    }
    await waitFor(
      'session requests recover',
      async () => (await me({ cookie })).status === 200,
      5000,
    );
  });
});

describe('a replica dies', () => {
  it('is taken out without failing idempotent requests, and put back when it returns', async () => {
    const { authorization } = await credentials();
    const me = () => call(`${farm.gatewayUrl}/api/me`, { headers: { authorization } });
    await farm.replicas[1].stop('SIGKILL');
    const replies = await Promise.all(Array.from({ length: 20 }, me));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map((r) => r.body.replica))).toEqual(new Set(['resource-1']));

    await farm.restartReplica(1);
    await waitFor(
      'the replica serves again',
      async () => (await me()).body.replica === 'resource-2',
      5000,
    );
  });
});

describe('a rolling restart', () => {
  it('drains each replica on SIGTERM: restarting all of them under load fails no request', async () => {
    const { authorization } = await credentials();
    const me = () =>
      call(`${farm.gatewayUrl}/api/me`, { headers: { authorization } }).then(
        (reply) => reply.status,
        () => 0,
      );
    let running = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (running) statuses.push(...(await Promise.all(Array.from({ length: 8 }, me))));
    })();
    for (let i = 0; i < farm.replicas.length; i++) {
      const restarted = await farm.restartReplica(i); // SIGTERM, wait for exit, start again
      // As a rollout would: wait until the gateway routes to the new process before the next.
      await waitFor(
        `${restarted.name} back in the pool`,
        async () =>
          (await call(`${farm.gatewayUrl}/api/me`, { headers: { authorization } })).headers.get(
            'x-served-by',
          ) === restarted.name,
        5000,
      );
    }
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
