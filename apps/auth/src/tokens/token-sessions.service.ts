import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { databaseUnavailable } from '../users/users.service.js';
import { RefreshToken } from './refresh-token.entity.js';
import { TokenSession } from './token-session.entity.js';

export interface NewTokenSession {
  sid: string;
  refreshToken: string;
}

/**
 * JWT logins as server-side records: the session (`sid`) and its refresh tokens. Access tokens
 * are never stored; ending a session stops refreshes, not the access tokens already issued.
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

  async start(userId: string, userAgent: string, now = Date.now()): Promise<NewTokenSession> {
    const sid = randomBytes(16).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + this.refreshTtlMs);
    await this.dataSource
      .transaction(async (manager) => {
        await manager.insert(TokenSession, {
          id: sid,
          userId,
          mode: 'jwt',
          createdAt: new Date(now),
          lastSeenAt: new Date(now),
          expiresAt,
          revokedAt: null,
          userAgent,
        });
        await manager.insert(RefreshToken, {
          tokenHash: hashToken(refreshToken),
          sessionId: sid,
          createdAt: new Date(now),
          expiresAt,
          usedAt: null,
        });
      })
      .catch((error: unknown) => {
        throw databaseUnavailable(error);
      });
    return { sid, refreshToken };
  }

  /** Revokes one session of one user; true when it was live. */
  async revoke(userId: string, sid: string, now = Date.now()): Promise<boolean> {
    const result = await this.sessions
      .update({ id: sid, userId, revokedAt: IsNull() }, { revokedAt: new Date(now) })
      .catch((error: unknown) => {
        throw databaseUnavailable(error);
      });
    return result.affected === 1;
  }

  /** The live session a refresh token belongs to, or undefined. Does not consume the token. */
  async sessionOfRefreshToken(
    refreshToken: string,
    now = Date.now(),
  ): Promise<TokenSession | undefined> {
    const row = await this.dataSource
      .getRepository(RefreshToken)
      .findOneBy({ tokenHash: hashToken(refreshToken) })
      .catch((error: unknown) => {
        throw databaseUnavailable(error);
      });
    if (!row || row.usedAt || row.expiresAt.getTime() <= now) return undefined;
    const session = await this.sessions.findOneBy({ id: row.sessionId });
    return session && !session.revokedAt ? session : undefined;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
