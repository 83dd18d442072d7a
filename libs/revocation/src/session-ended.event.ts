/** The event pattern (a Redis pub/sub channel) on which ended sessions are announced. */
export const SESSION_ENDED = 'authfarm.session.ended';

export type EndReason = 'logout' | 'logout-all' | 'deleted' | 'refresh-reuse';

/**
 * One or more sessions of one user ended. Sent by the auth service to every replica (and kept in
 * the durable list until `expiresAt`, when no token it covers can still be valid).
 */
export interface SessionEndedEvent {
  /** The farm's key prefix: replicas ignore events of another farm sharing the same Redis. */
  prefix: string;
  userId: string;
  /** Session handles (JWT `sid`, or a cookie session's store id). */
  sids: string[];
  /** logout-all: tokens of this user issued before this time (epoch ms) are refused. */
  notBefore?: number;
  /** Epoch ms after which the entries can be forgotten. */
  expiresAt: number;
  reason: EndReason;
}
