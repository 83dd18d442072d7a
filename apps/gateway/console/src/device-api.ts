import { decodeJwt, type TokenView } from './jwt-decode.js';
import type { MeResult, Mode } from './messages.js';
import { now } from './time.js';

/** The answer to one auth call: its status, error code and when it arrived (epoch ms). */
export interface Outcome {
  status: number;
  error: string | null;
  at: number;
}

type Credential =
  | { mode: 'session'; ended: boolean }
  | {
      mode: 'jwt' | 'hybrid';
      ended: boolean;
      access: string;
      refresh: string;
      token: TokenView | null;
    };

interface Answer extends Outcome {
  sent: number;
  body: unknown;
  servedBy: string | null;
}

/** Every call is bounded: a farm that stops answering shows up as a status 0, never a hang. */
const TIMEOUT_MS = 10_000;
/** Like a single-page app, a live device refreshes its access token this close to `exp`. */
const REFRESH_AHEAD_MS = 1500;

/**
 * One device's conversation with the farm, on the device's own origin through the gateway. In
 * session mode the credential is the `__Host-sid` cookie, which the browser keeps in this
 * origin's jar and this code never sees. In jwt and hybrid modes the tokens live in this
 * object's memory only (like a single-page app) and travel as `Authorization: Bearer`, with
 * cookies left out, so a stale cookie in the jar can never vouch for a token request.
 */
export class DeviceApi {
  private credential: Credential | null = null;
  private refreshing: Promise<unknown> | undefined;

  get mode(): Mode | null {
    return this.credential?.mode ?? null;
  }

  get state(): { mode: Mode; ended: boolean } | null {
    return this.credential ? { mode: this.credential.mode, ended: this.credential.ended } : null;
  }

  get token(): TokenView | null {
    return this.credential && this.credential.mode !== 'session' ? this.credential.token : null;
  }

  async login(username: string, password: string, mode: Mode): Promise<Outcome> {
    const answer = await this.send('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, mode }),
      credentials: 'same-origin',
    });
    if (answer.status !== 200) return answer;
    if (mode === 'session') {
      this.credential = { mode, ended: false };
      return answer;
    }
    const tokens = tokensOf(answer.body);
    if (!tokens) return { ...answer, error: 'UNEXPECTED_BODY' };
    this.credential = { mode, ended: false, ...tokens };
    return answer;
  }

  /** Exchanges the refresh token; the old one is spent (presenting it again ends its family). */
  async refresh(): Promise<Outcome | 'no-token'> {
    const credential = this.credential;
    if (!credential || credential.mode === 'session') return 'no-token';
    const answer = await this.send('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: credential.refresh }),
      credentials: 'omit',
    });
    const tokens = answer.status === 200 ? tokensOf(answer.body) : null;
    if (tokens) this.credential = { mode: credential.mode, ended: false, ...tokens };
    return answer;
  }

  logout(): Promise<Outcome> {
    return this.end('/auth/logout');
  }

  logoutAll(): Promise<Outcome> {
    return this.end('/auth/logout-all');
  }

  /** `GET /api/me` with the device's credential, timed, with the replica that answered. */
  async me(): Promise<MeResult> {
    await this.refreshAhead();
    const answer = await this.send('/api/me', { method: 'GET', ...this.authorization() });
    return {
      sent: answer.sent,
      at: answer.at,
      status: answer.status,
      ms: answer.at - answer.sent,
      replica: answer.servedBy ?? replicaOf(answer.body),
      error: answer.error,
    };
  }

  // A device still logged in renews its token before `exp` (once, whatever the traffic). After a
  // logout it does not: it keeps sending the old token to show what a copy can still do; and a
  // refused refresh (the session was ended elsewhere) leaves it with that token too.
  private async refreshAhead(): Promise<void> {
    const credential = this.credential;
    if (!credential || credential.mode === 'session' || credential.ended) return;
    const exp = credential.token?.exp;
    if (typeof exp !== 'number' || exp * 1000 - now() > REFRESH_AHEAD_MS) return;
    this.refreshing ??= this.refresh()
      .then((outcome) => {
        if (outcome !== 'no-token' && outcome.status !== 200 && this.credential === credential) {
          credential.ended = true;
        }
      })
      .finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  // Session: the server deletes the record and clears the cookie, so the browser drops it.
  // Token: the device keeps the access token, to show what any copy of it can still do.
  private async end(path: string): Promise<Outcome> {
    const answer = await this.send(path, { method: 'POST', ...this.authorization() });
    if (answer.status === 204 && this.credential) {
      if (this.credential.mode === 'session') this.credential = null;
      else this.credential.ended = true;
    }
    return answer;
  }

  private authorization(): Pick<RequestInit, 'headers' | 'credentials'> {
    const credential = this.credential;
    if (credential && credential.mode !== 'session') {
      return { headers: { authorization: `Bearer ${credential.access}` }, credentials: 'omit' };
    }
    return { credentials: 'same-origin' };
  }

  private async send(path: string, init: RequestInit): Promise<Answer> {
    const sent = now();
    try {
      const response = await fetch(path, {
        ...init,
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      const body = parseJson(text);
      return {
        sent,
        at: now(),
        status: response.status,
        body,
        error: response.ok ? null : (errorCodeOf(body) ?? `HTTP_${response.status}`),
        servedBy: response.headers.get('x-served-by'),
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      return {
        sent,
        at: now(),
        status: 0,
        body: null,
        error: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        servedBy: null,
      };
    }
  }
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : null;
}

function errorCodeOf(body: unknown): string | null {
  const code = field(body, 'error');
  return typeof code === 'string' ? code : null;
}

function replicaOf(body: unknown): string | null {
  const replica = field(body, 'replica');
  return typeof replica === 'string' ? replica : null;
}

function tokensOf(
  body: unknown,
): { access: string; refresh: string; token: TokenView | null } | null {
  const access = field(body, 'access_token');
  const refresh = field(body, 'refresh_token');
  if (typeof access !== 'string' || typeof refresh !== 'string') return null;
  return { access, refresh, token: decodeJwt(access) };
}
