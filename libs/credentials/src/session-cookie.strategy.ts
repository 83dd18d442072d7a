import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { Metrics } from '@authfarm/platform';
import { SessionIdMemo, SessionStore, sessionIdOf } from '@authfarm/session-store';
import { SESSION_COOKIE, readCookie } from './access-token.js';
import type { Principal } from './principal.js';

/** Cookies of live sessions whose hashed id is kept (about 200 bytes each). */
const SESSION_IDS_REMEMBERED = 10_000;

interface CookieRequest {
  headers: { cookie?: string };
}

/**
 * The `__Host-sid` cookie, checked against the shared store with exactly one round trip (read +
 * idle refresh together, or a plain read while the last refresh this process saw is recent). A
 * store that cannot answer is an error (503), not a failed login: the client's session may be fine.
 */
@Injectable()
export class SessionCookieStrategy extends PassportStrategy(Strategy, 'session-cookie') {
  private readonly ids = new SessionIdMemo(SESSION_IDS_REMEMBERED);

  constructor(
    private readonly store: SessionStore,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  override authenticate(req: CookieRequest): void {
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (secret === undefined) return this.fail(401);
    const known = this.ids.get(secret);
    const id = known?.id ?? sessionIdOf(secret);
    if (id === undefined) {
      this.metrics.authOutcome('session', 'invalid');
      return this.fail(401);
    }
    const start = performance.now();
    this.metrics.storeRoundTrip(this.store.kind, 'touch');
    this.store.touch(id, Date.now(), known?.seenAt).then(
      (record) => {
        this.metrics.verifyDuration('session', (performance.now() - start) / 1e3);
        if (!record) {
          this.metrics.authOutcome('session', 'revoked');
          return this.fail(401);
        }
        this.ids.remember(secret, id, record.lastSeenAt);
        this.metrics.authOutcome('session', 'ok');
        const principal: Principal = {
          sub: record.userId,
          username: record.username,
          sid: id,
          mode: 'session',
        };
        this.success(principal);
      },
      (error: unknown) => {
        this.metrics.authOutcome('session', 'unavailable');
        this.error(error as Error);
      },
    );
  }

  validate(): never {
    throw new Error('unused: authenticate() is overridden');
  }
}
