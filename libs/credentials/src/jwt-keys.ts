import type { VerificationKey } from '@authfarm/keys';

/**
 * Where a verifier gets its keys: the JWKS of the auth service (replicas), or the auth service's
 * own key. Each app binds one.
 */
export abstract class JwtKeys {
  /** All keys currently accepted; undefined when they cannot be had right now. */
  abstract load(): Promise<VerificationKey[] | undefined>;

  /** Called for an unknown kid; implementations rate-limit. Undefined when nothing new. */
  abstract refreshForUnknownKid(): Promise<VerificationKey[] | undefined>;
}
