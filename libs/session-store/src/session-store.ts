import type { SessionStoreKind } from '@authfarm/config';

/** What the server keeps for one cookie session. Times are epoch milliseconds. */
export interface SessionRecord {
  userId: string;
  username: string;
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  userAgent: string;
}

export interface StoredSession extends SessionRecord {
  id: string;
}

/** Idle and absolute timeouts (OWASP session management), and how often a read refreshes idle. */
export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
  /** A read refreshes `lastSeenAt` only when it is older than this: saves a write per request. */
  touchIntervalMs: number;
}

/**
 * False when a caller that was answered `lastSeenAt = seenAt` for a session knows that no idle
 * refresh can be due at `now` (see `SessionStore.touch`).
 */
export function refreshMayBeDue(
  now: number,
  seenAt: number | undefined,
  timeouts: SessionTimeouts,
): boolean {
  return seenAt === undefined || now - seenAt >= timeouts.touchIntervalMs;
}

/**
 * The shared session store: the swap point between Redis, Postgres and per-process memory.
 * Implementations throw `AppError('SESSION_STORE_UNAVAILABLE')` when the store cannot answer.
 */
export abstract class SessionStore {
  /** Where sessions are read from; `introspection` when replicas ask the auth service. */
  abstract readonly kind: SessionStoreKind | 'introspection';

  /** Stores a new session under its id (the hash of the cookie secret, never the secret). */
  abstract create(id: string, record: SessionRecord): Promise<void>;

  /**
   * Reads a live session and, once its `lastSeenAt` is a touch interval old, refreshes its idle
   * timeout: exactly one round trip either way. Returns undefined for an unknown, idle-expired or
   * absolutely expired session.
   *
   * `seenAt` is the `lastSeenAt` the caller was answered for this session last time, if it kept
   * it. While that is less than a touch interval before `now`, no refresh can be due (the stored
   * value is never older than what was answered), and a store may answer with a plain read: no
   * script, no write, a cheaper statement.
   */
  abstract touch(id: string, now: number, seenAt?: number): Promise<SessionRecord | undefined>;

  /** Deletes one session; true when it existed. */
  abstract delete(id: string): Promise<boolean>;

  /** The live sessions of one user. */
  abstract listForUser(userId: string, now: number): Promise<StoredSession[]>;

  /** Deletes every session of one user; returns how many ended. */
  abstract deleteAllForUser(userId: string): Promise<number>;

  /** True when the store answers. */
  abstract ping(): Promise<boolean>;

  abstract close(): Promise<void>;
}
