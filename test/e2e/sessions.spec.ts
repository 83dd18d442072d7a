import { describe, expect, it } from '@jest/globals';
import { call, type Reply } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';
import { openEventStream } from '../support/event-stream.js';
import { metricTotal } from '../support/metrics.js';
import { farmForThisFile } from '../support/test-farm.js';
import { TestUser, bearer, type TokenPair } from '../support/users.js';

// Issue #3: managing clients from the server, in every mode, through the gateway and on every
// replica of a real farm.
const farm = farmForThisFile({ REPLICAS: '3', JWT_TTL: '60' });

const statusesEverywhere = async (headers: Record<string, string>): Promise<number[]> =>
  (await Promise.all(farm.replicas.map((r) => call(`${r.url}/api/me`, { headers })))).map(
    (r) => r.status,
  );
const post = (path: string, headers: Record<string, string>, body?: unknown): Promise<Reply> =>
  call(`${farm.gatewayUrl}${path}`, { method: 'POST', headers, body });
const refresh = (pair: TokenPair): Promise<Reply<TokenPair>> =>
  call<TokenPair>(`${farm.gatewayUrl}/auth/refresh`, {
    body: { refresh_token: pair.refresh_token },
  });

describe('GET /auth/sessions', () => {
  it("lists the caller's sessions of every mode, marking the current one", async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    const jwt = await user.tokens('jwt');
    const hybrid = await user.tokens('hybrid');
    const reply = await call<Array<Record<string, unknown>>>(`${farm.gatewayUrl}/auth/sessions`, {
      headers: bearer(hybrid),
    });
    expect(reply.status).toBe(200);
    expect(reply.body.map((s) => s.mode).sort()).toEqual(['hybrid', 'jwt', 'session']);
    expect(reply.body.filter((s) => s.current)).toHaveLength(1);
    expect(reply.body.find((s) => s.current)?.mode).toBe('hybrid');
    for (const session of reply.body) {
      expect(Object.keys(session).sort()).toEqual(
        ['created_at', 'current', 'id', 'last_seen_at', 'mode', 'user_agent'].sort(),
      );
    }
    expect(jwt.access_token).not.toBe(hybrid.access_token);
    expect(cookie.cookie).toBeDefined();
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it("ends one of the caller's sessions, and answers 404 for another user's", async () => {
    const [alice, mallory] = [
      await TestUser.register(farm.gatewayUrl),
      await TestUser.register(farm.gatewayUrl),
    ];
    const laptop = await alice.cookie();
    const phone = await alice.cookie();
    const list = await call<Array<{ id: string; current: boolean }>>(
      `${farm.gatewayUrl}/auth/sessions`,
      {
        headers: laptop,
      },
    );
    const phoneId = list.body.find((s) => !s.current)!.id;
    const intruder = await call(`${farm.gatewayUrl}/auth/sessions/${phoneId}`, {
      method: 'DELETE',
      headers: await mallory.cookie(),
    });
    expect(intruder.status).toBe(404);
    expect(await statusesEverywhere(phone)).toEqual([200, 200, 200]);
    const ended = await call(`${farm.gatewayUrl}/auth/sessions/${phoneId}`, {
      method: 'DELETE',
      headers: laptop,
    });
    expect(ended.status).toBe(204);
    expect(await statusesEverywhere(phone)).toEqual([401, 401, 401]);
    expect(await statusesEverywhere(laptop)).toEqual([200, 200, 200]);
  });
});

describe('logout-all from one device, the other device per mode', () => {
  it('session: the other cookie is refused on every replica at once', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const [first, second] = [await user.cookie(), await user.cookie()];
    expect((await post('/auth/logout-all', first)).status).toBe(204);
    expect(await statusesEverywhere(second)).toEqual([401, 401, 401]);
    expect(await statusesEverywhere(first)).toEqual([401, 401, 401]);
  });

  it('jwt: refresh is refused at once; the access token works until exp (the documented window)', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const [first, second] = [await user.tokens('jwt'), await user.tokens('jwt')];
    expect((await post('/auth/logout-all', bearer(first))).status).toBe(204);
    expect((await refresh(second)).status).toBe(401);
    expect(await statusesEverywhere(bearer(second))).toEqual([200, 200, 200]);
  });

  it('hybrid: the other token is refused on every replica, with no store round trip per request', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const [first, second] = [await user.tokens('hybrid'), await user.tokens('hybrid')];
    const roundTrips = () =>
      Promise.all(farm.replicas.map((r) => metricTotal(r.url, 'authfarm_store_round_trips_total')));
    const before = await roundTrips();
    expect(await statusesEverywhere(bearer(second))).toEqual([200, 200, 200]);
    expect(await roundTrips()).toEqual(before);
    expect((await post('/auth/logout-all', bearer(first))).status).toBe(204);
    await waitFor(
      'every replica refuses',
      async () => (await statusesEverywhere(bearer(second))).every((s) => s === 401),
      2000,
      0,
    );
    expect((await refresh(second)).status).toBe(401);
  });

  it('hybrid: every replica refuses within the propagation bound after logout-all returns', async () => {
    const reach: number[] = [];
    for (let trial = 0; trial < 15; trial++) {
      const user = await TestUser.register(farm.gatewayUrl);
      const token = bearer(await user.tokens('hybrid'));
      expect(await statusesEverywhere(token)).toEqual([200, 200, 200]);
      await post('/auth/logout-all', token);
      const returned = performance.now();
      const refusedAt = await Promise.all(
        farm.replicas.map(async (replica) => {
          while ((await call(`${replica.url}/api/me`, { headers: token })).status !== 401) {
            if (performance.now() - returned > 1000)
              throw new Error(`${replica.name} still accepts`);
          }
          return performance.now();
        }),
      );
      reach.push(Math.max(...refusedAt) - returned);
    }
    reach.sort((a, b) => a - b);
    const p50 = reach[Math.floor(reach.length / 2)];
    const p99 = reach[Math.ceil(reach.length * 0.99) - 1];
    process.stdout.write(
      `hybrid revocation reach (ms, n=${reach.length}): p50=${p50.toFixed(1)} p99=${p99.toFixed(1)}\n`,
    );
    // The correctness bound; the 100 ms target is a benchmark figure, not a timed test.
    expect(p99).toBeLessThan(1000);
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: the new pair works, the old refresh token is single use', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    const next = await refresh(pair);
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(pair.refresh_token);
    expect(await statusesEverywhere(bearer(next.body))).toEqual([200, 200, 200]);
    expect((await refresh(next.body)).status).toBe(200);
  });

  it('treats reuse of a used refresh token as theft: 401, and the whole family is revoked', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const stolen = await user.tokens('hybrid');
    const legit = (await refresh(stolen)).body;
    expect((await refresh(stolen)).status).toBe(401);
    expect((await refresh(legit)).status).toBe(401);
    await waitFor(
      'every replica refuses',
      async () => (await statusesEverywhere(bearer(legit))).every((s) => s === 401),
      2000,
      0,
    );
  });

  it('answers 401 for a refresh token of a revoked session, or one that never existed', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    await post('/auth/logout', bearer(pair));
    expect((await refresh(pair)).status).toBe(401);
    expect((await refresh({ ...pair, refresh_token: 'x'.repeat(43) })).status).toBe(401);
  });
});

describe('a route that demands a live session', () => {
  it('refuses a jwt whose session ended, though plain routes still accept it until exp', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    expect((await post('/api/me/password-change-intent', bearer(pair))).status).toBe(202);
    await post('/auth/logout', bearer(pair));
    expect(await statusesEverywhere(bearer(pair))).toEqual([200, 200, 200]);
    const strict = await post('/api/me/password-change-intent', bearer(pair));
    expect(strict.status).toBe(401);
  });
});

describe('a replica restarted after a revocation', () => {
  it('still refuses the revoked hybrid token: it reloads the durable list before it is ready', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const token = bearer(await user.tokens('hybrid'));
    await post('/auth/logout', token);
    const restarted = await farm.restartReplica(2);
    expect((await call(`${restarted.url}/api/me`, { headers: token })).status).toBe(401);
  });
});

describe('GET /api/events (Server-Sent Events)', () => {
  it.each(['session', 'jwt', 'hybrid'] as const)(
    '%s: logout-all pushes "logout" to the open stream of every other device',
    async (mode) => {
      const user = await TestUser.register(farm.gatewayUrl);
      const device = mode === 'session' ? await user.cookie() : bearer(await user.tokens(mode));
      const other = await user.cookie();
      const stream = await openEventStream(`${farm.gatewayUrl}/api/events`, device);
      try {
        expect(stream.status).toBe(200);
        await stream.next('hello');
        expect((await post('/auth/logout-all', other)).status).toBe(204);
        const logout = await stream.next('logout');
        expect(logout).toMatchObject({ reason: 'logout-all' });
      } finally {
        stream.close();
      }
    },
  );
});
