import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from '@authfarm/credentials';
import { SessionIdMemo, SessionStore, sessionIdOf } from '@authfarm/session-store';
import { TokenSessionsService } from '../tokens/token-sessions.service.js';

/** An RFC 7662 introspection answer. Inactive answers carry nothing else (RFC 7662 §2.2). */
export type Introspection =
  | { active: false }
  | {
      active: true;
      sub: string;
      username: string;
      sid: string;
      mode: 'session' | 'jwt' | 'hybrid';
      token_type: 'access_token' | 'session_cookie';
      exp: number;
      iat?: number;
      iss?: string;
      aud?: string;
    };

const INACTIVE: Introspection = { active: false };

// Live sessions whose last answered `lastSeenAt` is kept, so the store can answer with a plain
// read while no idle refresh can be due (as a replica's session check does).
const SESSIONS_REMEMBERED = 10_000;

/**
 * The central answer to "is this credential live?": the design where replicas (or other
 * clients) ask the auth service instead of reading the store or verifying tokens themselves.
 */
@Injectable()
export class IntrospectionService {
  // Keyed by the store id: replicas send ids, never cookie secrets.
  private readonly seen = new SessionIdMemo(SESSIONS_REMEMBERED);

  constructor(
    private readonly store: SessionStore,
    private readonly verifier: AccessTokenVerifier,
    private readonly tokenSessions: TokenSessionsService,
  ) {}

  /** A cookie session by its store id (what replicas send over the TCP channel). */
  async sessionById(id: string): Promise<Introspection> {
    const record = await this.store.touch(id, Date.now(), this.seen.get(id)?.seenAt);
    if (!record) return INACTIVE;
    this.seen.remember(id, id, record.lastSeenAt);
    return {
      active: true,
      sub: record.userId,
      username: record.username,
      sid: id,
      mode: 'session',
      token_type: 'session_cookie',
      exp: Math.floor(record.absoluteExpiresAt / 1000),
      iat: Math.floor(record.createdAt / 1000),
    };
  }

  /** Any credential a client holds: a session cookie value or an access token. */
  async credential(token: string): Promise<Introspection> {
    const sessionId = sessionIdOf(token);
    if (sessionId) return this.sessionById(sessionId);
    const claims = await this.verifier.verify(token).catch(() => undefined);
    if (!claims) return INACTIVE;
    // Unlike a replica in jwt mode, the authority also knows whether the session was ended.
    const live = await this.tokenSessions.live(claims.sub);
    if (!live.some((s) => s.id === claims.sid)) return INACTIVE;
    return {
      active: true,
      sub: claims.sub,
      username: claims.preferred_username,
      sid: claims.sid,
      mode: claims.mode === 'hybrid' ? 'hybrid' : 'jwt',
      token_type: 'access_token',
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
    };
  }
}
