import {
  SessionStore,
  type SessionRecord,
  type SessionTimeouts,
  type StoredSession,
} from './session-store.js';

/**
 * Per-process sessions. Correct for one process only: in a farm each replica sees only the
 * sessions created in itself, which is the failure a shared store exists to prevent.
 */
export class MemorySessionStore extends SessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly timeouts: SessionTimeouts) {
    super();
  }

  async create(id: string, record: SessionRecord): Promise<void> {
    this.sessions.set(id, { ...record });
  }

  async touch(id: string, now: number): Promise<SessionRecord | undefined> {
    const record = this.sessions.get(id);
    if (!record) return undefined;
    if (!this.isLive(record, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    if (now - record.lastSeenAt >= this.timeouts.touchIntervalMs) record.lastSeenAt = now;
    return { ...record };
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }

  async listForUser(userId: string, now: number): Promise<StoredSession[]> {
    return [...this.sessions]
      .filter(([, r]) => r.userId === userId && this.isLive(r, now))
      .map(([id, r]) => ({ id, ...r }));
  }

  async deleteAllForUser(userId: string): Promise<number> {
    let ended = 0;
    for (const [id, r] of this.sessions) {
      if (r.userId === userId && this.sessions.delete(id)) ended++;
    }
    return ended;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }

  private isLive(record: SessionRecord, now: number): boolean {
    return now < record.absoluteExpiresAt && now < record.lastSeenAt + this.timeouts.idleMs;
  }
}
