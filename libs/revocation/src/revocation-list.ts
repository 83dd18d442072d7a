import type { SessionEndedEvent } from './session-ended.event.js';

/**
 * A replica's in-memory revocation list: revoked `sid`s and per-user "not before" times, each
 * forgotten once every token it covers has expired, so memory stays bounded by the number of
 * sessions ended within one token lifetime.
 */
export class RevocationList {
  private readonly sids = new Map<string, number>();
  private readonly users = new Map<string, { notBefore: number; expiresAt: number }>();

  apply(event: Pick<SessionEndedEvent, 'userId' | 'sids' | 'notBefore' | 'expiresAt'>): void {
    for (const sid of event.sids) {
      this.sids.set(sid, Math.max(this.sids.get(sid) ?? 0, event.expiresAt));
    }
    if (event.notBefore !== undefined) {
      const known = this.users.get(event.userId);
      if (!known || known.notBefore < event.notBefore) {
        this.users.set(event.userId, { notBefore: event.notBefore, expiresAt: event.expiresAt });
      }
    }
  }

  /** True for a token of a revoked session, or issued (iat, seconds) before a logout-all. */
  isRevoked(sid: string, userId: string, issuedAtSeconds: number): boolean {
    if (this.sids.has(sid)) return true;
    const user = this.users.get(userId);
    return user !== undefined && issuedAtSeconds * 1000 < user.notBefore;
  }

  /** Forgets entries whose tokens have all expired. */
  prune(now: number): void {
    for (const [sid, expiresAt] of this.sids) if (expiresAt <= now) this.sids.delete(sid);
    for (const [user, entry] of this.users) if (entry.expiresAt <= now) this.users.delete(user);
  }

  get size(): number {
    return this.sids.size + this.users.size;
  }
}
