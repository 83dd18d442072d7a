import { randomUUID } from 'node:crypto';
import { call, sessionCookieOf } from './http.js';

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
