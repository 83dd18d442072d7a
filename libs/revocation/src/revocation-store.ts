import type { Redis } from 'ioredis';
import { orUnavailable } from '@authfarm/platform';
import type { SessionEndedEvent } from './session-ended.event.js';

// Is this session (or this user's tokens issued at iat) revoked? One round trip.
const CHECK = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
local u = redis.call('ZSCORE', KEYS[2], ARGV[2])
return {s or false, u or false}`;

interface CheckCommand {
  revocationCheck(
    sids: string,
    users: string,
    sid: string,
    userId: string,
  ): Promise<[string | null, string | null]>;
}

/**
 * The durable revocation list in Redis: two sorted sets (sid -> expiry, user -> not-before), so a
 * replica that starts or reconnects can rebuild its in-memory list, and a strict route can check
 * one session with one round trip.
 */
export class RevocationStore {
  private readonly redis: Redis & CheckCommand;
  private readonly sidsKey: string;
  private readonly usersKey: string;
  private readonly kidsKey: string;

  constructor(
    redis: Redis,
    prefix: string,
    /** Longest life of an access token, leeway included: how long a not-before must be kept. */
    private readonly maxTokenLifeMs: number,
  ) {
    redis.defineCommand('revocationCheck', { numberOfKeys: 2, lua: CHECK });
    this.redis = redis as Redis & CheckCommand;
    this.sidsKey = `${prefix}revoked:sids`;
    this.usersKey = `${prefix}revoked:users`;
    this.kidsKey = `${prefix}revoked:kids`;
  }

  async record(event: SessionEndedEvent, now = Date.now()): Promise<void> {
    const tx = this.redis.multi();
    for (const sid of event.sids) tx.zadd(this.sidsKey, 'GT', event.expiresAt, sid);
    if (event.notBefore !== undefined) tx.zadd(this.usersKey, 'GT', event.notBefore, event.userId);
    tx.zremrangebyscore(this.sidsKey, '-inf', now);
    tx.zremrangebyscore(this.usersKey, '-inf', now - this.maxTokenLifeMs);
    await this.call(() => tx.exec());
  }

  /**
   * Records signing keys revoked in an emergency. Kept for good: a leaked key can sign tokens
   * with any expiry, so its kid must stay refused (a few bytes per revoked key).
   */
  async recordRevokedKids(kids: readonly string[], now = Date.now()): Promise<void> {
    if (kids.length === 0) return;
    await this.call(() =>
      this.redis.zadd(this.kidsKey, ...kids.flatMap((kid) => [String(now), kid])),
    );
  }

  async loadRevokedKids(): Promise<string[]> {
    return this.call(() => this.redis.zrange(this.kidsKey, '0', '-1'));
  }

  /** Every entry still in force, as events to apply to an in-memory list. */
  async loadActive(now = Date.now()): Promise<Array<Omit<SessionEndedEvent, 'prefix' | 'reason'>>> {
    const [sids, users] = await this.call(() =>
      Promise.all([
        this.redis.zrangebyscore(this.sidsKey, now, '+inf', 'WITHSCORES'),
        this.redis.zrangebyscore(this.usersKey, now - this.maxTokenLifeMs, '+inf', 'WITHSCORES'),
      ]),
    );
    const entries: Array<Omit<SessionEndedEvent, 'prefix' | 'reason'>> = [];
    for (let i = 0; i < sids.length; i += 2) {
      entries.push({ userId: '', sids: [sids[i]], expiresAt: Number(sids[i + 1]) });
    }
    for (let i = 0; i < users.length; i += 2) {
      const notBefore = Number(users[i + 1]);
      entries.push({
        userId: users[i],
        sids: [],
        notBefore,
        expiresAt: notBefore + this.maxTokenLifeMs,
      });
    }
    return entries;
  }

  /** True when the session is live: not revoked, and not issued before a logout-all. */
  async isLive(sid: string, userId: string, issuedAtSeconds: number): Promise<boolean> {
    const [sidExpiry, notBefore] = await this.call(() =>
      this.redis.revocationCheck(this.sidsKey, this.usersKey, sid, userId),
    );
    if (sidExpiry !== null && Number(sidExpiry) > Date.now()) return false;
    return notBefore === null || issuedAtSeconds * 1000 >= Number(notBefore);
  }

  async ping(): Promise<boolean> {
    return (await this.redis.ping().catch(() => '')) === 'PONG';
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return orUnavailable('REVOCATIONS_UNAVAILABLE', 'redis', operation);
  }
}
