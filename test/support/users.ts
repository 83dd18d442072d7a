import { randomUUID } from 'node:crypto';
import { call, sessionCookieOf } from './http.js';
import type { LoadRequest } from './load.js';

export const PASSWORD = 'correct horse battery';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** A registered user of one farm, able to log in as several devices. */
export class TestUser {
  private constructor(
    readonly gateway: string,
    readonly id: string,
    readonly username: string,
  ) {}

  static async register(gateway: string): Promise<TestUser> {
    const username = `u-${randomUUID().slice(0, 12)}`;
    const reply = await call<{ id: string }>(`${gateway}/auth/register`, {
      body: { username, password: PASSWORD },
    });
    if (reply.status !== 201) throw new Error(`register answered ${reply.status}`);
    return new TestUser(gateway, reply.body.id, username);
  }

  /** A cookie-session device: headers to send. */
  async cookie(): Promise<Record<string, string>> {
    const reply = await call(`${this.gateway}/auth/login`, {
      body: { username: this.username, password: PASSWORD, mode: 'session' },
    });
    return { cookie: sessionCookieOf(reply) };
  }

  /** A token device (jwt or hybrid). */
  async tokens(mode: 'jwt' | 'hybrid'): Promise<TokenPair> {
    const reply = await call<TokenPair>(`${this.gateway}/auth/login`, {
      body: { username: this.username, password: PASSWORD, mode },
    });
    if (reply.status !== 200) throw new Error(`login answered ${reply.status}`);
    return reply.body;
  }
}

export const bearer = (pair: TokenPair): Record<string, string> => ({
  authorization: `Bearer ${pair.access_token}`,
});

const timeout = () => AbortSignal.timeout(5000);

/** `GET /api/me` with each credential in turn, for FixedRateLoad. */
export function apiMe(
  gateway: string,
  credentials: Array<[kind: string, headers: Record<string, string>]>,
): (n: number) => LoadRequest {
  return (n) => {
    const [kind, headers] = credentials[n % credentials.length];
    return { kind, send: () => fetch(`${gateway}/api/me`, { headers, signal: timeout() }) };
  };
}

/**
 * GET /api/me with a cookie session, a JWT and a hybrid token of `user` in turn, for
 * FixedRateLoad: one credential of each kind, all issued before the load starts.
 */
export async function apiMeWithEveryCredential(
  user: TestUser,
): Promise<(n: number) => LoadRequest> {
  return apiMe(user.gateway, [
    ['session', await user.cookie()],
    ['jwt', bearer(await user.tokens('jwt'))],
    ['hybrid', bearer(await user.tokens('hybrid'))],
  ]);
}

/** What a live auth service answers `loginOrRefresh`. */
export const LIVE_AUTH: Record<string, number> = { login: 200, refresh: 401 };

/**
 * Login (right password, JWT mode) and refresh in turn, for FixedRateLoad. The refresh token is
 * unknown: a live auth service answers it 401 without a real token being used up.
 */
export function loginOrRefresh(gateway: string, username: string): (n: number) => LoadRequest {
  return (n) => {
    const kind = n % 2 === 0 ? 'login' : 'refresh';
    const body =
      kind === 'login'
        ? { username, password: PASSWORD, mode: 'jwt' }
        : { refresh_token: `unknown-${n}` };
    return {
      kind,
      send: () =>
        fetch(`${gateway}/auth/${kind}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: timeout(),
        }),
    };
  };
}
