import { Injectable } from '@nestjs/common';
import { AppConfig, type AuthMode } from '@authfarm/config';
import type { Principal } from '@authfarm/credentials';
import { AppError } from '@authfarm/platform';
import { SessionStore, newSessionSecret, sessionIdOf } from '@authfarm/session-store';
import { TokenSessionsService } from '../tokens/token-sessions.service.js';
import { TokenSigner } from '../tokens/token-signer.js';
import type { User } from '../users/user.entity.js';

export type LoginResponse =
  | { mode: 'session'; expires_in: number }
  | {
      mode: 'jwt';
      token_type: 'Bearer';
      access_token: string;
      expires_in: number;
      refresh_token: string;
    };

export interface LoginResult {
  body: LoginResponse;
  /** The session secret for the cookie; only in session mode. */
  cookieSecret?: string;
}

const MAX_USER_AGENT = 256;

/** Issues a credential of the requested kind for an authenticated user, and ends one. */
@Injectable()
export class LoginService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly tokenSessions: TokenSessionsService,
    private readonly signer: TokenSigner,
  ) {}

  async login(
    user: User,
    requestedMode: AuthMode | undefined,
    userAgent = '',
    previousCookie?: string,
  ): Promise<LoginResult> {
    const mode = requestedMode ?? this.config.defaultMode;
    if (!this.config.enabled(mode)) throw new AppError('MODE_NOT_ENABLED');
    const agent = userAgent.slice(0, MAX_USER_AGENT);
    if (mode === 'session') return this.startCookieSession(user, agent, previousCookie);
    const { sid, refreshToken } = await this.tokenSessions.start(user.id, agent);
    return {
      body: {
        mode: 'jwt',
        token_type: 'Bearer',
        access_token: this.signer.accessToken({ userId: user.id, username: user.username }, sid),
        expires_in: this.signer.ttlSeconds,
        refresh_token: refreshToken,
      },
    };
  }

  /**
   * Ends the caller's session. Session mode: the record is deleted, so the cookie fails on every
   * replica at once. JWT mode: refreshes stop; the access token stays valid until `exp`.
   */
  async logout(principal: Principal): Promise<void> {
    if (principal.mode === 'session') await this.store.delete(principal.sid);
    else await this.tokenSessions.revoke(principal.sub, principal.sid);
  }

  // Always a fresh id from our own randomness: an id the client proposes is never adopted, and
  // an earlier session in the same browser is ended (session fixation, OWASP).
  private async startCookieSession(
    user: User,
    userAgent: string,
    previousCookie: string | undefined,
  ): Promise<LoginResult> {
    const previousId = previousCookie ? sessionIdOf(previousCookie) : undefined;
    if (previousId) await this.store.delete(previousId);
    const secret = newSessionSecret();
    const id = sessionIdOf(secret) as string;
    const now = Date.now();
    const absoluteTtl = this.config.env.SESSION_ABSOLUTE_TTL;
    await this.store.create(id, {
      userId: user.id,
      username: user.username,
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: now + absoluteTtl * 1000,
      userAgent,
    });
    return { body: { mode: 'session', expires_in: absoluteTtl }, cookieSecret: secret };
  }
}
