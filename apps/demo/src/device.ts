import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';

/** What one request got: status 0 when no HTTP answer came at all (refused, reset, timed out). */
export interface Answer {
  status: number;
  ms: number;
  servedBy: string | undefined;
  body: Record<string, unknown>;
  setCookie: string[];
}

/** The demo's HTTP client: one keep-alive agent, every wait bounded. */
export class Http {
  private readonly agent = new Agent({
    connect: { timeout: 2_000 },
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });

  async send(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<Answer> {
    const started = performance.now();
    try {
      const reply = await request(url, {
        dispatcher: this.agent,
        method: (init.method ?? (init.body === undefined ? 'GET' : 'POST')) as 'GET' | 'POST',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await reply.body.text();
      const cookies = reply.headers['set-cookie'];
      const servedBy = reply.headers['x-served-by'];
      return {
        status: reply.statusCode,
        ms: performance.now() - started,
        servedBy: typeof servedBy === 'string' ? servedBy : undefined,
        body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
        setCookie: cookies === undefined ? [] : ([] as string[]).concat(cookies),
      };
    } catch (error) {
      return {
        status: 0,
        ms: performance.now() - started,
        servedBy: undefined,
        body: { error: (error as Error).message },
        setCookie: [],
      };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export const PASSWORD = 'demo password, not a secret';

export interface User {
  username: string;
}

/** A fresh user of this run (names never collide with another run's). */
export async function registerUser(http: Http, gatewayUrl: string): Promise<User> {
  const username = `demo-${randomBytes(6).toString('hex')}`;
  const reply = await http.send(`${gatewayUrl}/auth/register`, {
    body: { username, password: PASSWORD },
  });
  if (reply.status !== 201) throw new Error(`register answered ${reply.status}`);
  return { username };
}

type Mode = 'session' | 'jwt' | 'hybrid';

/**
 * One device of a user, holding its one credential as a client would: the session cookie (a jar
 * of one cookie), or the access and refresh tokens.
 */
export class Device {
  private cookie: string | undefined;
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly http: Http,
    private readonly gatewayUrl: string,
    readonly name: string,
    readonly mode: Mode,
  ) {}

  static async login(
    http: Http,
    gatewayUrl: string,
    user: User,
    mode: Mode,
    name: string = mode,
  ): Promise<Device> {
    const device = new Device(http, gatewayUrl, name, mode);
    const reply = await http.send(`${gatewayUrl}/auth/login`, {
      body: { username: user.username, password: PASSWORD, mode },
    });
    if (reply.status !== 200) throw new Error(`${name}: login answered ${reply.status}`);
    if (mode === 'session') {
      const cookie = reply.setCookie.find((c) => c.startsWith('__Host-sid='));
      if (!cookie) throw new Error(`${name}: the session login set no __Host-sid cookie`);
      device.cookie = cookie.split(';')[0];
    } else {
      device.keepTokens(reply.body);
    }
    return device;
  }

  /** `GET /api/me` through the gateway, or on one replica directly. */
  me(baseUrl = this.gatewayUrl): Promise<Answer> {
    return this.http.send(`${baseUrl}/api/me`, { headers: this.credential() });
  }

  post(path: string): Promise<Answer> {
    return this.http.send(`${this.gatewayUrl}${path}`, {
      method: 'POST',
      headers: this.credential(),
    });
  }

  /** The signing key of the access token (its header's `kid`). */
  get kid(): string {
    return this.tokenPart<{ kid: string }>(0).kid;
  }

  /** When the access token expires (its `exp`), in epoch ms. */
  get expiresAt(): number {
    return this.tokenPart<{ exp: number }>(1).exp * 1000;
  }

  /** `POST /auth/refresh`: the new tokens are kept when it answers 200. */
  async refresh(): Promise<Answer> {
    const reply = await this.http.send(`${this.gatewayUrl}/auth/refresh`, {
      body: { refresh_token: this.refreshToken },
    });
    if (reply.status === 200) this.keepTokens(reply.body);
    return reply;
  }

  /**
   * Refreshes the tokens when the access token has less than `marginMs` left, as clients do;
   * once for concurrent callers (a refresh token is single use: a second use is theft).
   */
  async refreshIfDue(marginMs: number): Promise<void> {
    if (this.expiresAt - Date.now() > marginMs) return;
    this.refreshing ??= this.refresh()
      .then((reply) => {
        if (reply.status !== 200) throw new Error(`${this.name}: refresh answered ${reply.status}`);
      })
      .finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private keepTokens(body: Record<string, unknown>): void {
    this.accessToken = String(body.access_token);
    this.refreshToken = String(body.refresh_token);
  }

  private credential(): Record<string, string> {
    if (this.cookie) return { cookie: this.cookie };
    return { authorization: `Bearer ${this.accessToken}` };
  }

  private tokenPart<T>(index: 0 | 1): T {
    if (!this.accessToken) throw new Error(`${this.name} holds no access token`);
    const part = this.accessToken.split('.')[index];
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as T;
  }
}
