import { Injectable } from '@nestjs/common';
import { AppConfig, type AuthMode } from '@authfarm/config';
import { AppError } from '@authfarm/platform';
import { RevocationPublisher } from '@authfarm/revocation';
import { SessionStore, newSessionSecret, sessionIdOf } from '@authfarm/session-store';
import { TokenSessionsService, type TokenMode } from '../tokens/token-sessions.service.js';
import { TokenSigner } from '../tokens/token-signer.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

export interface TokenResponse {
  mode: TokenMode;
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

export type LoginResponse = { mode: 'session'; expires_in: number } | TokenResponse;

export interface LoginResult {
  body: LoginResponse;
  /** The session secret for the cookie; only in session mode. */
  cookieSecret?: string;
}

const MAX_USER_AGENT = 256;

/** Issues a credential of the requested kind for an authenticated user, and refreshes tokens. */
@Injectable()
export class LoginService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly tokenSessions: TokenSessionsService,
    private readonly signer: TokenSigner,
    private readonly users: UsersService,
    private readonly revocations: RevocationPublisher,
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
    const { session, refreshToken } = await this.tokenSessions.start(user.id, mode, agent);
    return { body: this.tokenResponse(user, session.id, mode, refreshToken) };
  }

  /**
   * Exchanges a refresh token for a new access and refresh token. A used token presented again
   * revokes its whole family, and the replicas are told at once.
   */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const outcome = await this.tokenSessions.rotate(refreshToken);
    if (outcome.kind === 'reused') {
      await this.revocations.sessionsEnded(
        outcome.session.userId,
        [outcome.session.id],
        'refresh-reuse',
      );
    }
    if (outcome.kind !== 'rotated') throw new AppError('TOKEN_INVALID');
    const user = await this.users.byId(outcome.session.userId);
    if (!user) throw new AppError('TOKEN_INVALID');
    return this.tokenResponse(
      user,
      outcome.session.id,
      outcome.session.mode as TokenMode,
      outcome.refreshToken,
    );
  }

  private tokenResponse(
    user: User,
    sid: string,
    mode: TokenMode,
    refreshToken: string,
  ): TokenResponse {
    return {
      mode,
      token_type: 'Bearer',
      access_token: this.signer.accessToken(
        { userId: user.id, username: user.username },
        sid,
        mode,
      ),
      expires_in: this.signer.ttlSeconds,
      refresh_token: refreshToken,
    };
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
