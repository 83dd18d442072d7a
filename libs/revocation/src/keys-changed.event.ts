/** The event pattern on which changes of the signing key ring are announced. */
export const KEYS_CHANGED = 'authfarm.keys.changed';

/**
 * The key ring changed: a rotation (refetch keys now, so a new kid is known before its first
 * token arrives) or an emergency revocation (refuse these kids at once, whatever is cached).
 */
export interface KeysChangedEvent {
  /** The farm's key prefix: processes ignore events of another farm sharing the same Redis. */
  prefix: string;
  reason: 'rotated' | 'revoked';
  revokedKids: string[];
}
