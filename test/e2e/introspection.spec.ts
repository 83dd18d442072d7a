import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { call } from '../support/http.js';
import { metricTotal } from '../support/metrics.js';
import { farmForThisFile } from '../support/test-farm.js';
import { TestUser, bearer } from '../support/users.js';

// Session checks through the auth service (SESSION_CHECK=introspection): replicas send
// `session.validate` over the microservice TCP channel instead of reading the store.
const SECRET = randomBytes(32).toString('base64url');
const farm = farmForThisFile({
  REPLICAS: '2',
  SESSION_CHECK: 'introspection',
  INTROSPECTION_SECRET: SECRET,
});

const introspect = (token: string, secret = SECRET) =>
  call(`${farm.gatewayUrl}/auth/introspect`, {
    body: { token },
    headers: { authorization: `Bearer ${secret}` },
  });

describe('replicas that ask the auth service', () => {
  it('authenticate a cookie on every replica through session.validate, and refuse it after logout', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    const before = await Promise.all(
      farm.replicas.map((r) => metricTotal(r.url, 'authfarm_store_round_trips_total')),
    );
    for (const replica of farm.replicas) {
      const reply = await call(`${replica.url}/api/me`, { headers: cookie });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ sub: user.id, mode: 'session' });
    }
    const after = await Promise.all(
      farm.replicas.map((r) => metricTotal(r.url, 'authfarm_store_round_trips_total')),
    );
    expect(after.map((n, i) => n - before[i])).toEqual([1, 1]); // one introspection call each
    await call(`${farm.gatewayUrl}/auth/logout`, { method: 'POST', headers: cookie });
    for (const replica of farm.replicas) {
      expect((await call(`${replica.url}/api/me`, { headers: cookie })).status).toBe(401);
    }
  });
});

describe('POST /auth/introspect (RFC 7662)', () => {
  it('answers active with the subject for a live cookie and a live access token', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = (await user.cookie()).cookie.split('=')[1];
    const token = (await user.tokens('jwt')).access_token;
    const session = await introspect(cookie);
    expect(session.body).toMatchObject({ active: true, sub: user.id, mode: 'session' });
    const jwt = await introspect(token);
    expect(jwt.body).toMatchObject({
      active: true,
      sub: user.id,
      mode: 'jwt',
      token_type: 'access_token',
    });
  });

  it('answers only {active:false} for an access token whose session ended, unlike a jwt replica', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    await call(`${farm.gatewayUrl}/auth/logout`, { method: 'POST', headers: bearer(pair) });
    expect((await introspect(pair.access_token)).body).toEqual({ active: false });
    expect((await introspect('not-a-token')).body).toEqual({ active: false });
  });

  it('accepts the RFC 7662 form encoding', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const token = (await user.tokens('jwt')).access_token;
    const response = await fetch(`${farm.gatewayUrl}/auth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${SECRET}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    expect(await response.json()).toMatchObject({ active: true, sub: user.id });
  });

  it('refuses a caller without the introspection secret, so it is no token-checking oracle', async () => {
    const reply = await introspect('anything', 'wrong-secret');
    expect(reply.status).toBe(401);
  });
});
