import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { FaultProxy, type ExitStatus, type Farm } from '@authfarm/farm';
import { recordFigures } from '../support/figures.js';
import { call, sessionCookieOf } from '../support/http.js';
import { FixedRateLoad, figuresOf, type Sample } from '../support/load.js';
import { waitFor } from '../support/wait-for.js';
import { startTestFarm } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';
import { apiMe } from '../support/users.js';

// Guards against the failures a shared store brings: a request that hangs, or a 500, while the
// store is away; a farm that needs a restart once it is back; a dead replica that keeps getting
// traffic. Redis is reached through a proxy this test can cut.
let starting: Promise<Farm>;
let farm: Farm;
let redis: FaultProxy;
const password = 'correct horse battery';

// Services are killed and started again: on a loaded 2-core machine a start can take tens of
// seconds, more than Jest's default for one test.
jest.setTimeout(120_000);

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

const servedBy = async (authorization: string): Promise<string | null> =>
  (await call(`${farm.gatewayUrl}/api/me`, { headers: { authorization } })).headers.get(
    'x-served-by',
  );

async function credentials(): Promise<{
  username: string;
  cookie: string;
  authorization: string;
}> {
  const username = `fault-${randomUUID().slice(0, 8)}`;
  await call(`${farm.gatewayUrl}/auth/register`, { body: { username, password } });
  const session = await call(`${farm.gatewayUrl}/auth/login`, {
    body: { username, password, mode: 'session' },
  });
  const jwt = await call<{ access_token: string }>(`${farm.gatewayUrl}/auth/login`, {
    body: { username, password, mode: 'jwt' },
  });
  return {
    username,
    cookie: sessionCookieOf(session),
    authorization: `Bearer ${jwt.body.access_token}`,
  };
}

describe('the session store goes away', () => {
  it('answers session requests 503 within a second, keeps JWTs working, and recovers by itself', async () => {
    const { username, cookie, authorization } = await credentials();
    const me = (headers: Record<string, string>) => call(`${farm.gatewayUrl}/api/me`, { headers });
    const login = () =>
      call(`${farm.gatewayUrl}/auth/login`, { body: { username, password, mode: 'session' } });
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
    // Replicas and the auth service (its login throttle and session store) reconnect by themselves.
    await waitFor(
      'session requests and logins recover',
      async () => (await me({ cookie })).status === 200 && (await login()).status === 200,
      5000,
    );
  });
});

describe('a replica dies', () => {
  it('is taken out under a fixed-rate load, failing under 0.1% of requests, and put back when it returns', async () => {
    const { authorization } = await credentials();
    const load = new FixedRateLoad(
      10,
      apiMe(farm.gatewayUrl, [['jwt', { authorization }]]),
    ).start();
    await waitFor('the load runs', async () => load.sent >= 50, 5000);
    await farm.replicas[1].stop('SIGKILL');
    await farm.replicas[1].exited;
    const killedAt = Date.now();
    await waitFor(
      'requests while the replica is down',
      async () => load.samples.filter((s) => s.sentAt >= killedAt).length >= 100,
      10_000,
    );
    await farm.restartReplica(1);
    const readyAt = Date.now();
    const recoveryMs = await waitFor(
      'the replica serves again',
      async () => (await servedBy(authorization)) === 'resource-2',
      5000,
    );
    const samples = await load.stop();
    const ok = (sample: Sample) => sample.status === 200;
    const figures = {
      ...figuresOf(samples, ok),
      whileDown: figuresOf(
        samples.filter((s) => s.sentAt >= killedAt && s.sentAt < readyAt),
        ok,
      ),
      outageMs: readyAt - killedAt,
      recoveryMs,
      command: 'npx jest test/e2e/faults.spec.ts',
    };
    recordFigures('replica-killed', figures);

    expect(figures.whileDown.sent).toBeGreaterThanOrEqual(100);
    expect(figures.failed).toBeLessThanOrEqual(figures.sent * 0.001);
  });
});

describe('a rolling restart', () => {
  it('drains each replica on SIGTERM: restarting all of them under load fails no request', async () => {
    const { authorization } = await credentials();
    // Closed loop, eight at a time: some requests are always in flight when a replica is told.
    const me = async (): Promise<Sample> => {
      const sentAt = Date.now();
      const status = await call(`${farm.gatewayUrl}/api/me`, { headers: { authorization } }).then(
        (reply) => reply.status,
        () => 0,
      );
      return { kind: 'jwt', sentAt, status, ms: Date.now() - sentAt };
    };
    let running = true;
    const samples: Sample[] = [];
    const load = (async () => {
      while (running) samples.push(...(await Promise.all(Array.from({ length: 8 }, me))));
    })();
    const startedAt = Date.now();
    const exits: ExitStatus[] = [];
    for (let i = 0; i < farm.replicas.length; i++) {
      const old = farm.replicas[i];
      const restarted = await farm.restartReplica(i); // SIGTERM, wait for exit, start again
      exits.push(await old.exited);
      // As a rollout would: wait until the gateway routes to the new process before the next.
      await waitFor(
        `${restarted.name} back in the pool`,
        async () => (await servedBy(authorization)) === restarted.name,
        5000,
      );
    }
    const rolloutMs = Date.now() - startedAt;
    running = false;
    await load;
    const figures = {
      ...figuresOf(samples, (s) => s.status === 200),
      replicas: farm.replicas.length,
      rolloutMs,
      command: 'npx jest test/e2e/faults.spec.ts',
    };
    recordFigures('replicas-rolling-sigterm', figures);

    expect(figures.sent).toBeGreaterThan(50);
    expect(figures.failed).toBe(0);
    // Each drained and exited by itself, before the farm's 5 s grace would have killed it.
    expect(exits).toEqual(farm.replicas.map(() => ({ code: 0, signal: null })));
  });
});
