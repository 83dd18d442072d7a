import { Injectable } from '@nestjs/common';
import type { Principal } from '@authfarm/credentials';
import { AppError } from '@authfarm/platform';
import { RevocationPublisher } from '@authfarm/revocation';
import { SessionStore } from '@authfarm/session-store';
import { TokenSessionsService } from '../tokens/token-sessions.service.js';

export interface SessionView {
  id: string;
  mode: 'session' | 'jwt' | 'hybrid';
  created_at: string;
  last_seen_at: string;
  user_agent: string;
  current: boolean;
}

/**
 * Every login of a user, whatever its mode: cookie sessions from the session store, token
 * logins from their refresh-token families. Ending any of them is announced to every replica,
 * so hybrid tokens stop at once and live connections (SSE) are told, in every mode.
 */
@Injectable()
export class SessionRegistry {
  constructor(
    private readonly store: SessionStore,
    private readonly tokens: TokenSessionsService,
    private readonly revocations: RevocationPublisher,
  ) {}

  async list(caller: Principal, now = Date.now()): Promise<SessionView[]> {
    const [cookies, tokens] = await Promise.all([
      this.store.listForUser(caller.sub, now),
      this.tokens.live(caller.sub, now),
    ]);
    return [
      ...cookies.map((s) => ({
        id: s.id,
        mode: 'session' as const,
        created_at: new Date(s.createdAt).toISOString(),
        last_seen_at: new Date(s.lastSeenAt).toISOString(),
        user_agent: s.userAgent,
        current: s.id === caller.sid,
      })),
      ...tokens.map((s) => ({
        id: s.id,
        mode: s.mode as 'jwt' | 'hybrid',
        created_at: s.createdAt.toISOString(),
        last_seen_at: s.lastSeenAt.toISOString(),
        user_agent: s.userAgent,
        current: s.id === caller.sid,
      })),
    ].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Ends one of the caller's sessions; 404 for an id that is not the caller's. */
  async end(caller: Principal, id: string): Promise<void> {
    const owned = (await this.store.listForUser(caller.sub, Date.now())).some((s) => s.id === id);
    const ended = owned
      ? await this.store.delete(id)
      : Boolean(await this.tokens.revoke(caller.sub, id));
    if (!ended) throw new AppError('NOT_FOUND');
    await this.revocations.sessionsEnded(caller.sub, [id], 'deleted');
  }

  /** Ends the caller's current session (logout). */
  async endCurrent(caller: Principal): Promise<void> {
    if (caller.mode === 'session') await this.store.delete(caller.sid);
    else await this.tokens.revoke(caller.sub, caller.sid);
    await this.revocations.sessionsEnded(caller.sub, [caller.sid], 'logout');
  }

  /** Ends every session of the user, the caller's included. */
  async endAll(userId: string): Promise<void> {
    const cookies = await this.store.listForUser(userId, Date.now());
    await this.store.deleteAllForUser(userId);
    const tokens = await this.tokens.revokeAll(userId);
    const sids = [...cookies.map((s) => s.id), ...tokens.map((s) => s.id)];
    await this.revocations.sessionsEnded(userId, sids, 'logout-all', { allTokensOfUser: true });
  }
}
