import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, IsNull, MoreThan, Repository, type EntityManager } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { orUnavailable } from '@authfarm/platform';
import { RefreshToken } from './refresh-token.entity.js';
import { TokenSession } from './token-session.entity.js';

export type TokenMode = 'jwt' | 'hybrid';

export interface IssuedRefresh {
  session: TokenSession;
  refreshToken: string;
}

/** What a refresh attempt found. `reused` means a used token came back: the family is burnt. */
export type RefreshOutcome =
  | { kind: 'rotated'; session: TokenSession; refreshToken: string }
  | { kind: 'reused'; session: TokenSession }
  | { kind: 'invalid' };

/**
 * JWT and hybrid logins as server-side records: the session (`sid`) and its refresh tokens,
 * stored hashed, single use, rotated on every refresh. Access tokens are never stored.
 */
@Injectable()
export class TokenSessionsService {
  private readonly refreshTtlMs: number;

  constructor(
    config: AppConfig,
    private readonly dataSource: DataSource,
    @InjectRepository(TokenSession) private readonly sessions: Repository<TokenSession>,
  ) {
    this.refreshTtlMs = config.env.REFRESH_TTL * 1000;
  }

  async start(
    userId: string,
    mode: TokenMode,
    userAgent: string,
    now = Date.now(),
  ): Promise<IssuedRefresh> {
    return this.db(() =>
      this.dataSource.transaction(async (manager) => {
        const session = manager.create(TokenSession, {
          id: randomBytes(16).toString('base64url'),
          userId,
          mode,
          createdAt: new Date(now),
          lastSeenAt: new Date(now),
          expiresAt: new Date(now + this.refreshTtlMs),
          revokedAt: null,
          userAgent,
        });
        await manager.insert(TokenSession, session);
        return { session, refreshToken: await this.issueRefresh(manager, session.id, now) };
      }),
    );
  }

  /**
   * Rotates a refresh token: the presented one is marked used and a new one issued, under a row
   * lock so two concurrent uses cannot both succeed. A token presented a second time means it
   * was copied: the whole session is revoked (OAuth 2.0 Security BCP §4.14.2).
   */
  async rotate(refreshToken: string, now = Date.now()): Promise<RefreshOutcome> {
    return this.db(() =>
      this.dataSource.transaction(async (manager): Promise<RefreshOutcome> => {
        const token = await manager.findOne(RefreshToken, {
          where: { tokenHash: hashToken(refreshToken) },
          lock: { mode: 'pessimistic_write' },
        });
        if (!token) return { kind: 'invalid' };
        const session = await manager.findOneBy(TokenSession, { id: token.sessionId });
        if (!session || session.revokedAt) return { kind: 'invalid' };
        if (token.usedAt) {
          await manager.update(TokenSession, { id: session.id }, { revokedAt: new Date(now) });
          return { kind: 'reused', session };
        }
        if (token.expiresAt.getTime() <= now || session.expiresAt.getTime() <= now) {
          return { kind: 'invalid' };
        }
        await manager.update(
          RefreshToken,
          { tokenHash: token.tokenHash },
          { usedAt: new Date(now) },
        );
        await manager.update(TokenSession, { id: session.id }, { lastSeenAt: new Date(now) });
        return {
          kind: 'rotated',
          session,
          refreshToken: await this.issueRefresh(manager, session.id, now),
        };
      }),
    );
  }

  /** The live token sessions of a user. */
  async live(userId: string, now = Date.now()): Promise<TokenSession[]> {
    return this.db(() =>
      this.sessions.find({
        where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date(now)) },
        order: { createdAt: 'ASC' },
      }),
    );
  }

  /** Revokes one session of one user; the session when it was live, else undefined. */
  async revoke(userId: string, sid: string, now = Date.now()): Promise<TokenSession | undefined> {
    const session = await this.db(() =>
      this.sessions.findOneBy({ id: sid, userId, revokedAt: IsNull() }),
    );
    if (!session) return undefined;
    await this.db(() =>
      this.sessions.update({ id: sid, revokedAt: IsNull() }, { revokedAt: new Date(now) }),
    );
    return session;
  }

  /** Revokes every live session of a user; returns them. */
  async revokeAll(userId: string, now = Date.now()): Promise<TokenSession[]> {
    const live = await this.live(userId, now);
    if (live.length > 0) {
      await this.db(() =>
        this.sessions.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date(now) }),
      );
    }
    return live;
  }

  private async issueRefresh(
    manager: EntityManager,
    sessionId: string,
    now: number,
  ): Promise<string> {
    const refreshToken = randomBytes(32).toString('base64url');
    await manager.insert(RefreshToken, {
      tokenHash: hashToken(refreshToken),
      sessionId,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.refreshTtlMs),
      usedAt: null,
    });
    return refreshToken;
  }

  private db<T>(operation: () => Promise<T>): Promise<T> {
    return orUnavailable('DATABASE_UNAVAILABLE', 'postgres', operation);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
