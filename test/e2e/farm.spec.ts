import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import type { Farm } from '@authfarm/farm';
import { call, sessionCookieOf, type Reply } from '../support/http.js';
import { startTestFarm } from '../support/test-farm.js';

// The farm of issue #2: auth, gateway and three resource replicas as separate processes, on the
// real Redis and Postgres. Everything below goes through the gateway unless it says otherwise.
const JWT_TTL = 4;
let starting: Promise<Farm>;
let farm: Farm;
let gateway: string;

beforeAll(async () => {
  starting = startTestFarm({ REPLICAS: '3', JWT_TTL: String(JWT_TTL), JWT_LEEWAY: '0' });
  farm = await starting;
  gateway = farm.gatewayUrl;
});
// Stops the farm even when beforeAll timed out while it was still starting.
afterAll(async () => (await starting?.catch(() => undefined))?.stop());

const password = 'correct horse battery';

async function register(): Promise<{ id: string; username: string }> {
  const username = `user-${randomUUID().slice(0, 8)}`;
  const reply = await call<{ id: string; username: string }>(`${gateway}/auth/register`, {
    body: { username, password },
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

async function loginSession(username: string): Promise<string> {
  const reply = await call(`${gateway}/auth/login`, {
    body: { username, password, mode: 'session' },
  });
  expect(reply.status).toBe(200);
  return sessionCookieOf(reply);
}

async function loginJwt(
  username: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const reply = await call<{ access_token: string; refresh_token: string }>(
    `${gateway}/auth/login`,
    {
      body: { username, password, mode: 'jwt' },
    },
  );
  expect(reply.status).toBe(200);
  return reply.body;
}

const me = (headers: Record<string, string>, base = gateway): Promise<Reply> =>
  call(`${base}/api/me`, { headers });
const onEveryReplica = (headers: Record<string, string>): Promise<Reply[]> =>
  Promise.all(farm.replicas.map((replica) => me(headers, replica.url)));

describe('registration', () => {
  it('creates a user and answers 201 with its id and username only', async () => {
    const username = `new-${randomUUID().slice(0, 8)}`;
    const reply = await call(`${gateway}/auth/register`, { body: { username, password } });
    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body).sort()).toEqual(['id', 'username']);
  });

  it('answers 409 for a username that is taken, whatever its case', async () => {
    const { username } = await register();
    const reply = await call(`${gateway}/auth/register`, {
      body: { username: username.toUpperCase(), password },
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error).toBe('USERNAME_TAKEN');
  });

  it.each([
    ['a username too short', { username: 'ab', password }],
    ['a username with a space', { username: 'a b c', password }],
    ['a username of 65 characters', { username: 'a'.repeat(65), password }],
    ['a password of 7 characters', { username: 'valid-name', password: 'short12' }],
    ['a password of 129 characters', { username: 'valid-name', password: 'p'.repeat(129) }],
    ['an unknown field', { username: 'valid-name', password, admin: true }],
  ])('answers 400 with a generic body for %s', async (_case, body) => {
    const reply = await call(`${gateway}/auth/register`, { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: 'BAD_REQUEST',
      message: expect.any(String),
      request_id: expect.any(String),
    });
  });

  it('answers 400, not 500, for a body that is not JSON', async () => {
    const response = await fetch(`${gateway}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": ',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/at .*\.js|SyntaxError/);
  });
});

describe('login', () => {
  it('answers an unknown user and a wrong password with the same 401 body', async () => {
    const { username } = await register();
    const wrong = await call(`${gateway}/auth/login`, {
      body: { username, password: 'wrong password' },
    });
    const unknown = await call(`${gateway}/auth/login`, {
      body: { username: 'nobody-here', password },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = ({ request_id: _, ...rest }: Record<string, unknown>) => rest;
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
  });

  it('sets a __Host- session cookie that is HttpOnly, Secure, SameSite=Lax and has no Domain', async () => {
    const { username } = await register();
    const reply = await call(`${gateway}/auth/login`, {
      body: { username, password, mode: 'session' },
    });
    expect(reply.body).toEqual({ mode: 'session', expires_in: expect.any(Number) });
    const cookie = reply.headers.getSetCookie()[0];
    expect(cookie).toMatch(
      /^__Host-sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('never adopts a session id the client proposes', async () => {
    const { username } = await register();
    const proposed = randomBytes(32).toString('base64url');
    const reply = await call(`${gateway}/auth/login`, {
      body: { username, password, mode: 'session' },
      headers: { cookie: `__Host-sid=${proposed}` },
    });
    expect(sessionCookieOf(reply)).not.toBe(`__Host-sid=${proposed}`);
    expect((await me({ cookie: `__Host-sid=${proposed}` })).status).toBe(401);
  });

  it('issues a JWT access token with typ at+jwt, a kid, and the claims a replica checks', async () => {
    const { username, id } = await register();
    const body = await loginJwt(username);
    const [header, payload] = body.access_token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA', kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: id,
      iss: 'authfarm',
      aud: 'authfarm-api',
      sid: expect.any(String),
      jti: expect.any(String),
    });
    expect(payload.exp - payload.iat).toBe(JWT_TTL);
    expect(body).toMatchObject({
      mode: 'jwt',
      token_type: 'Bearer',
      expires_in: JWT_TTL,
      refresh_token: expect.any(String),
    });
  });

  it('publishes only public key members in the JWKS', async () => {
    const { body } = await call<{ keys: Record<string, unknown>[] }>(
      `${gateway}/.well-known/jwks.json`,
    );
    expect(body.keys.length).toBeGreaterThan(0);
    for (const key of body.keys) expect(key).not.toHaveProperty('d');
  });
});

describe.each(['session', 'jwt'] as const)('%s mode across replicas', (mode) => {
  async function credential(username: string): Promise<Record<string, string>> {
    return mode === 'session'
      ? { cookie: await loginSession(username) }
      : { authorization: `Bearer ${(await loginJwt(username)).access_token}` };
  }

  it('authenticates 30 requests spread over all 3 replicas', async () => {
    const user = await register();
    const headers = await credential(user.username);
    const replies = await Promise.all(Array.from({ length: 30 }, () => me(headers)));
    expect(replies.map((r) => r.status)).toEqual(Array(30).fill(200));
    for (const reply of replies) {
      expect(reply.body).toMatchObject({ sub: user.id, username: user.username, mode });
      expect(reply.headers.get('x-served-by')).toBe(reply.body.replica);
    }
    expect(new Set(replies.map((r) => r.body.replica))).toEqual(
      new Set(farm.replicas.map((r) => r.name)),
    );
  });

  it('ignores a client-sent X-User-Id, through the gateway and straight at a replica', async () => {
    const [alice, bob] = [await register(), await register()];
    const headers = {
      ...(await credential(alice.username)),
      'x-user-id': bob.id,
      'x-authenticated-user': bob.id,
    };
    expect((await me(headers)).body.sub).toBe(alice.id);
    for (const reply of await onEveryReplica(headers)) expect(reply.body.sub).toBe(alice.id);
    expect((await me({ 'x-user-id': bob.id })).status).toBe(401);
  });
});

describe('logout', () => {
  it('session: the cookie is refused on every replica as soon as logout returns', async () => {
    const { username } = await register();
    const cookie = await loginSession(username);
    expect((await onEveryReplica({ cookie })).map((r) => r.status)).toEqual([200, 200, 200]);
    const logout = await call(`${gateway}/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-sid=; .*Max-Age=0/);
    expect((await onEveryReplica({ cookie })).map((r) => r.status)).toEqual([401, 401, 401]);
    expect((await me({ cookie })).status).toBe(401);
  });

  it('jwt: the access token keeps working on every replica until exp (the documented trade-off)', async () => {
    const { username } = await register();
    const { access_token } = await loginJwt(username);
    const authorization = `Bearer ${access_token}`;
    const exp =
      JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString()).exp * 1000;
    const logout = await call(`${gateway}/auth/logout`, {
      method: 'POST',
      headers: { authorization },
    });
    expect(logout.status).toBe(204);
    // Still accepted everywhere after logout: nothing tells the replicas.
    expect((await onEveryReplica({ authorization })).map((r) => r.status)).toEqual([200, 200, 200]);
    // Refused once exp has passed, and not before (leeway 0 in this farm).
    let refusedAt = 0;
    while (!refusedAt) {
      const replies = await onEveryReplica({ authorization });
      if (replies.every((r) => r.status === 401)) refusedAt = Date.now();
      else expect(Date.now()).toBeLessThan(exp + 1000);
      if (!refusedAt) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusedAt).toBeGreaterThanOrEqual(exp);
    const expired = await me({ authorization });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('forged and tampered credentials', () => {
  let valid: string;
  let kid: string;
  beforeAll(async () => {
    valid = (await loginJwt((await register()).username)).access_token;
    kid = JSON.parse(Buffer.from(valid.split('.')[0], 'base64url').toString()).kid;
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = () => ({
    iss: 'authfarm',
    aud: 'authfarm-api',
    sub: randomUUID(),
    sid: 's',
    jti: 'j',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 60,
    preferred_username: 'admin',
  });

  const forgeries: Array<[string, () => Promise<Record<string, string>>]> = [
    [
      'a tampered payload',
      async () => {
        const [h, , s] = valid.split('.');
        return { authorization: `Bearer ${h}.${b64(claims())}.${s}` };
      },
    ],
    [
      'alg "none"',
      async () => ({
        authorization: `Bearer ${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims())}.`,
      }),
    ],
    [
      'a token signed by another key with the same kid',
      async () => {
        const { privateKey } = generateKeyPairSync('ed25519');
        const sign = createSigner({
          key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          algorithm: 'EdDSA',
          kid,
          header: { alg: 'EdDSA', typ: 'at+jwt' },
        });
        return { authorization: `Bearer ${sign(claims())}` };
      },
    ],
    [
      'an HS256 token keyed with the public JWK',
      async () => {
        const { body } = await call<{ keys: unknown[] }>(`${gateway}/.well-known/jwks.json`);
        const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims())}`;
        return {
          authorization: `Bearer ${input}.${createHmac('sha256', JSON.stringify(body.keys[0])).update(input).digest('base64url')}`,
        };
      },
    ],
    [
      'a refresh token used as an access token',
      async () => ({
        authorization: `Bearer ${(await loginJwt((await register()).username)).refresh_token}`,
      }),
    ],
    [
      'a made-up session cookie',
      async () => ({ cookie: `__Host-sid=${randomBytes(32).toString('base64url')}` }),
    ],
    ['a malformed session cookie', async () => ({ cookie: '__Host-sid=../../etc/passwd' })],
  ];

  it.each(forgeries)('refuses %s on every replica with a generic 401', async (_name, forge) => {
    const headers = await forge();
    for (const reply of [...(await onEveryReplica(headers)), await me(headers)]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({
        error: 'UNAUTHENTICATED',
        message: 'Authentication is required.',
        request_id: expect.any(String),
      });
      if (headers.authorization)
        expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('refuses a request with no credential at all', async () => {
    const reply = await me({});
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBeNull();
  });
});

describe('gateway', () => {
  it('answers 431 to oversized headers and 413 to an oversized body, with JSON', async () => {
    const big = await fetch(`${gateway}/api/me`, { headers: { 'x-padding': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(await big.json()).toMatchObject({ error: 'HEADERS_TOO_LARGE' });
    const body = await call(`${gateway}/auth/register`, {
      body: { username: 'x'.repeat(100_000), password },
    });
    expect(body.status).toBe(413);
    expect(body.body.error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('adds an X-Request-Id that the service echoes in error bodies', async () => {
    const reply = await me({});
    expect(reply.body.request_id).toBe(reply.headers.get('x-request-id'));
  });

  it('exposes health and Prometheus metrics on every service', async () => {
    for (const url of [gateway, farm.auth.url, ...farm.replicas.map((r) => r.url)]) {
      expect((await call(`${url}/health/live`)).status).toBe(200);
      expect((await call(`${url}/health/ready`)).status).toBe(200);
    }
    const metrics = await (await fetch(`${farm.replicas[0].url}/metrics`)).text();
    for (const name of [
      'authfarm_http_requests_total',
      'authfarm_auth_outcomes_total',
      'authfarm_store_round_trips_total',
      'authfarm_credential_verify_seconds',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});
