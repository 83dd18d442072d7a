import type { JwtAlgorithm } from '@authfarm/config';
import type { PublicJwk } from '@authfarm/keys';

// The key ring's data: its states, its rows and how they map to records. The transitions between
// states are in key-ring.store.ts.

export type KeyState = 'next' | 'current' | 'retired' | 'revoked';

/** One row of the ring. HS256 rows hold no material: their secret is JWT_SECRET itself. */
export interface KeyRecord {
  kid: string;
  alg: JwtAlgorithm;
  state: KeyState;
  sealedPrivateKey: string | null;
  publicJwk: PublicJwk | null;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  revokedAt: Date | null;
}

export interface RingChange {
  /** The key that now signs. */
  current: string;
  next?: string;
  retired?: string;
  revoked?: string;
}

/** A request the ring refuses; the message is for the operator (the keys command prints it). */
export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

/** What start-up found: a change it made, or a ring whose algorithm is not JWT_ALG. */
export interface EnsureOutcome {
  change?: RingChange;
  /** The ring signs with this algorithm while JWT_ALG says another: only a command moves it. */
  ringAlg?: JwtAlgorithm;
}

export const SELECT = `SELECT kid, alg, state, sealed_private_key, public_jwk, created_at, activated_at,
  retired_at, revoked_at FROM signing_keys`;

export interface KeyRow {
  kid: string;
  alg: JwtAlgorithm;
  state: KeyState;
  sealed_private_key: string | null;
  public_jwk: PublicJwk | null;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  revoked_at: Date | null;
}

export function toRecord(row: KeyRow): KeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    sealedPrivateKey: row.sealed_private_key,
    publicJwk: row.public_jwk,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    revokedAt: row.revoked_at,
  };
}
