import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Farm } from '@authfarm/farm';
import { call, sessionCookieOf, type Reply } from '../support/http.js';
import { startTestFarm } from '../support/test-farm.js';
import type { TokenPair } from '../support/users.js';

// Guards the promise that passwords, tokens, cookies and keys never reach a log line, and
// that one request can be followed across processes by its id. A canary password and every
// credential the farm hands out or is sent are searched for in every line every process wrote,
// from start to stop, in a session farm and in a token (jwt + hybrid) farm, at LOG_LEVEL=debug.

/** One line a service wrote, as the farm runner relays it: `[<process>] <json>`. */
interface LogLine {
  process: string;
  raw: string;
  entry: Record<string, unknown>;
}

/** What a farm was put through: the credentials to search for, and one request to follow. */
interface Exercised {
  secrets: Record<string, string>;
  /** X-Request-Id the gateway gave a request that reached a replica. */
  followedId: string;
}

const secret = (): string => randomBytes(32).toString('base64url');
const canaryPassword = (): string => `canary-pw-${randomBytes(12).toString('hex')}`;

const FARMS: Array<{
  name: string;
  env: () => Record<string, string>;
  exercise: (farm: Farm, env: Record<string, string>) => Promise<Exercised>;
}> = [
  {
    name: 'session',
    env: () => ({ AUTH_MODES: 'session', INTROSPECTION_SECRET: secret() }),
    exercise: exerciseSessions,
  },
  {
    name: 'jwt and hybrid',
    env: () => ({
      AUTH_MODES: 'jwt,hybrid',
      JWT_ALG: 'HS256',
      JWT_SECRET: secret(),
      INTROSPECTION_SECRET: secret(),
    }),
    exercise: exerciseTokens,
  },
];

describe.each(FARMS)('the logs of a $name farm', ({ env: makeEnv, exercise }) => {
  const env = makeEnv();
  const printed: string[] = [];
  let farm: Farm | undefined;
  let exercised: Exercised;
  let lines: LogLine[];

  beforeAll(async () => {
    farm = await startTestFarm({ ...env, REPLICAS: '2', LOG_LEVEL: 'debug' }, {}, printed);
    exercised = await exercise(farm, env);
    // The key ring's key-encryption key (a file the farm generated for the auth service).
    const kekFile = farm.authEnv.JWT_KEY_ENCRYPTION_KEY_FILE;
    exercised.secrets['key-encryption key'] = readFileSync(kekFile, 'utf8').trim();
    // Every line up to the last one a process writes on its way out.
    await farm.stop();
    farm = undefined;
    lines = printed.filter((line) => !line.startsWith('[farm] ')).map(parse);
  }, 180_000);
  afterAll(async () => farm?.stop());

  it('are JSON objects, one per line, each with service, level, time and msg', () => {
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) {
      expect(line.entry).toMatchObject({
        service: line.process.replace(/-\d+$/, ''),
        level: expect.any(String),
        time: expect.any(Number),
        msg: expect.any(String),
      });
    }
  });

  it('hold no password, cookie, token, token signature, refresh token or key', () => {
    const { secrets } = exercised;
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(5);
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(16);
    const leaks = Object.entries(secrets).flatMap(([what, value]) =>
      lines.filter((line) => line.raw.includes(value)).map((line) => `${what}: ${line.raw}`),
    );
    expect(leaks).toEqual([]);
  });

  it("carry the gateway's request id into the replica's access line", () => {
    const access = (service: string) =>
      lines.find(
        (line) =>
          line.entry.service === service &&
          line.entry.msg === 'request' &&
          line.entry.reqId === exercised.followedId,
      )?.entry;
    const gateway = access('gateway');
    const replica = access('resource');
    expect(gateway).toMatchObject({ method: 'GET', url: '/api/me', upstream: 'api', status: 200 });
    expect(replica).toMatchObject({ method: 'GET', url: '/api/me', route: '/api/me', status: 200 });
    expect(replica?.ms).toEqual(expect.any(Number));
  });

  it('write every access line without the query string', () => {
    const urls = lines.filter((line) => line.entry.msg === 'request').map((l) => l.entry.url);
    expect(urls).toContain('/api/me');
    expect(urls.filter((url) => String(url).includes('?'))).toEqual([]);
  });
});

function parse(printed: string): LogLine {
  const match = /^\[([a-z0-9-]+)\] (.*)$/.exec(printed);
  if (!match) throw new Error(`not a line the farm relays from a process: ${printed}`);
  let entry: unknown;
  try {
    entry = JSON.parse(match[2]);
  } catch {
    throw new Error(`not JSON: ${printed}`);
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new Error(`not a JSON object: ${printed}`);
  }
  return { process: match[1], raw: printed, entry: entry as Record<string, unknown> };
}

async function register(gateway: string, password: string): Promise<string> {
  const username = `canary-${randomUUID().slice(0, 8)}`;
  const reply = await call(`${gateway}/auth/register`, { body: { username, password } });
  expect(reply.status).toBe(201);
  return username;
}

/** Bodies a parser refuses, with the password in them: a parse error must not quote them. */
async function sendBrokenBodies(gateway: string, username: string, password: string) {
  const post = (body: string) =>
    fetch(`${gateway}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  expect((await post(`{"username":"${username}","password":"${password}"`)).status).toBe(400);
  expect((await post(`{"username":"${username}","password":${password}}`)).status).toBe(400);
  const large = JSON.stringify({ username, password: password.repeat(1000) });
  expect((await post(large)).status).toBe(413);
}

// The last character of a base64url signature changed: still well formed, no longer valid.
const tamper = (credential: string): string =>
  credential.slice(0, -2) + (credential.at(-2) === 'A' ? 'B' : 'A') + credential.at(-1);

async function exerciseSessions(farm: Farm, env: Record<string, string>): Promise<Exercised> {
  const gateway = farm.gatewayUrl;
  const password = canaryPassword();
  const username = await register(gateway, password);
  const login = (pw: string) =>
    call(`${gateway}/auth/login`, { body: { username, password: pw, mode: 'session' } });
  expect((await login(`${password}-wrong`)).status).toBe(401);
  const cookie = sessionCookieOf(await login(password));
  const cookieValue = cookie.slice(cookie.indexOf('=') + 1);
  const me = (headers: Record<string, string>, query = ''): Promise<Reply> =>
    call(`${gateway}/api/me${query}`, { headers });

  const followed = await me({ cookie });
  expect(followed.status).toBe(200);
  expect((await me({ cookie }, `?sid=${cookieValue}`)).status).toBe(200);
  expect((await me({ cookie: tamper(cookie) })).status).toBe(401);
  expect((await call(`${gateway}/auth/sessions`, { headers: { cookie } })).status).toBe(200);
  await sendBrokenBodies(gateway, username, password);
  const logout = await call(`${gateway}/auth/logout`, { method: 'POST', headers: { cookie } });
  expect(logout.status).toBe(204);
  expect((await me({ cookie })).status).toBe(401);
  await introspect(gateway, env.INTROSPECTION_SECRET, cookieValue);
  return {
    followedId: followed.headers.get('x-request-id') ?? '',
    secrets: {
      'canary password': password,
      'session cookie': cookieValue,
      'tampered session cookie': tamper(cookieValue),
      INTROSPECTION_SECRET: env.INTROSPECTION_SECRET,
      'wrong introspection secret': tamper(env.INTROSPECTION_SECRET),
    },
  };
}

async function exerciseTokens(farm: Farm, env: Record<string, string>): Promise<Exercised> {
  const gateway = farm.gatewayUrl;
  const password = canaryPassword();
  const username = await register(gateway, password);
  const login = (pw: string, mode: 'jwt' | 'hybrid') =>
    call<TokenPair>(`${gateway}/auth/login`, { body: { username, password: pw, mode } });
  expect((await login(`${password}-wrong`, 'jwt')).status).toBe(401);
  const jwt = (await login(password, 'jwt')).body;
  const hybrid = (await login(password, 'hybrid')).body;
  const me = (token: string, query = ''): Promise<Reply> =>
    call(`${gateway}/api/me${query}`, { headers: { authorization: `Bearer ${token}` } });
  const refresh = (token: string) =>
    call<TokenPair>(`${gateway}/auth/refresh`, { body: { refresh_token: token } });

  const followed = await me(jwt.access_token);
  expect(followed.status).toBe(200);
  expect((await me(hybrid.access_token, `?access_token=${hybrid.access_token}`)).status).toBe(200);
  expect((await me(tamper(jwt.access_token))).status).toBe(401);
  const rotated = await refresh(jwt.refresh_token);
  expect(rotated.status).toBe(200);
  expect((await refresh(jwt.refresh_token)).status).toBe(401); // reuse: the family is revoked
  expect((await refresh(rotated.body.refresh_token)).status).toBe(401);
  await sendBrokenBodies(gateway, username, password);
  const logout = await call(`${gateway}/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hybrid.access_token}` },
  });
  expect(logout.status).toBe(204);
  await introspect(gateway, env.INTROSPECTION_SECRET, hybrid.access_token);
  return {
    followedId: followed.headers.get('x-request-id') ?? '',
    secrets: {
      'canary password': password,
      'jwt access token': jwt.access_token,
      'jwt access token signature': jwt.access_token.split('.')[2],
      'tampered access token signature': tamper(jwt.access_token).split('.')[2],
      'jwt refresh token': jwt.refresh_token,
      'rotated access token': rotated.body.access_token,
      'rotated refresh token': rotated.body.refresh_token,
      'hybrid access token signature': hybrid.access_token.split('.')[2],
      'hybrid refresh token': hybrid.refresh_token,
      JWT_SECRET: env.JWT_SECRET,
      INTROSPECTION_SECRET: env.INTROSPECTION_SECRET,
      'wrong introspection secret': tamper(env.INTROSPECTION_SECRET),
    },
  };
}

/** RFC 7662 introspection with the right and a wrong client secret. */
async function introspect(gateway: string, clientSecret: string, token: string): Promise<void> {
  const ask = (bearer: string) =>
    call(`${gateway}/auth/introspect`, {
      body: { token },
      headers: { authorization: `Bearer ${bearer}` },
    });
  expect((await ask(clientSecret)).status).toBe(200);
  expect((await ask(tamper(clientSecret))).status).toBe(401);
}
