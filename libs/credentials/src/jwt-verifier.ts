import { createVerifier, TokenError } from 'fast-jwt';
import type { VerificationKey } from '@authfarm/keys';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './access-token.js';

export type JwtFailure = 'malformed' | 'unknown-kid' | 'invalid' | 'expired';

/** Why a token was refused. Never shown to clients; used for metrics and the 401 code. */
export class JwtVerificationError extends Error {
  override readonly name = 'JwtVerificationError';

  constructor(
    readonly reason: JwtFailure,
    readonly kid?: string,
  ) {
    super(`token refused: ${reason}`);
  }
}

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  leewaySeconds: number;
  /**
   * Verified tokens kept (until their exp) so a repeat costs a lookup, not a signature check.
   * 0 turns the cache off.
   */
  cacheSize: number;
}

type VerifyFn = (token: string) => AccessTokenClaims;

interface KeyVerifier {
  key: VerificationKey;
  verify: VerifyFn;
}

/** A token that passed every check, kept until its `exp`. */
interface VerifiedToken {
  claims: AccessTokenClaims;
  kid: string;
  /** The verifier that accepted it: the entry is void once that key is removed or replaced. */
  by: KeyVerifier;
  /** Epoch ms after which the entry is never served (the token's exp, leeway not included). */
  until: number;
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'];

/**
 * Verifies access tokens locally, with no store round trip. Each key is pinned to one
 * algorithm, so `alg: none`, an HS256 token signed with a public key, and any algorithm the
 * key was not made for are refused (RFC 8725 §2.1, §3.1). `typ` must be `at+jwt` so that other
 * JWTs cannot be substituted for an access token (RFC 8725 §3.11).
 */
export class JwtVerifier {
  private verifiers = new Map<string, KeyVerifier>();
  // Every token of one key has the same header segment: decode it once, not per request.
  private readonly kids = new Map<string, string>();
  // Keyed by the whole token text, so two different tokens can never share an entry (unlike a
  // cache keyed by a digest of the token), and a hit costs one Map lookup, not a hash.
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(private readonly options: JwtVerifierOptions) {}

  /**
   * Replaces the accepted keys. Tokens signed by a key no longer listed are refused. A key
   * listed again keeps its verifier, and so its cache of verified tokens.
   */
  setKeys(keys: readonly VerificationKey[]): void {
    const previous = this.verifiers;
    this.verifiers = new Map(
      keys.map((key) => {
        const kept = previous.get(key.kid);
        const same = kept && kept.key.alg === key.alg && kept.key.key === key.key;
        return [key.kid, same ? kept : { key, verify: this.verifierFor(key) }];
      }),
    );
    this.kids.clear();
    this.forgetTokensOfDroppedKeys();
  }

  /** Stops accepting one key at once (an emergency revocation), cached tokens included. */
  removeKey(kid: string): void {
    this.verifiers.delete(kid);
    this.kids.clear();
    this.forgetTokensOfDroppedKeys();
  }

  /** How many verified tokens the cache holds now. */
  get cachedTokens(): number {
    return this.verified.size;
  }

  hasKey(kid: string): boolean {
    return this.verifiers.has(kid);
  }

  get keyCount(): number {
    return this.verifiers.size;
  }

  /**
   * Returns the claims of a valid token or throws a `JwtVerificationError`. The claims are
   * frozen: a cached token's claims are shared by every request that presents it.
   */
  verify(token: string): AccessTokenClaims {
    const hit = this.verified.get(token);
    if (hit !== undefined) {
      // Served only while the key that verified it is still the one listed under its kid.
      if (Date.now() < hit.until && this.verifiers.get(hit.kid) === hit.by) return hit.claims;
      this.verified.delete(token);
    }
    const kid = this.kidOf(token);
    const verifier = this.verifiers.get(kid);
    if (!verifier) throw new JwtVerificationError('unknown-kid', kid);
    let claims: AccessTokenClaims;
    try {
      claims = verifier.verify(token);
    } catch (error) {
      const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
      throw new JwtVerificationError(expired ? 'expired' : 'invalid', kid);
    }
    return this.remember(token, kid, verifier, claims);
  }

  private remember(
    token: string,
    kid: string,
    by: KeyVerifier,
    claims: AccessTokenClaims,
  ): AccessTokenClaims {
    const frozen = Object.freeze(claims);
    const { cacheSize } = this.options;
    if (cacheSize <= 0) return frozen;
    if (this.verified.size >= cacheSize) {
      // Oldest first: Map iteration follows insertion order.
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, { claims: frozen, kid, by, until: claims.exp * 1000 });
    return frozen;
  }

  private forgetTokensOfDroppedKeys(): void {
    for (const [token, entry] of this.verified) {
      if (this.verifiers.get(entry.kid) !== entry.by) this.verified.delete(token);
    }
  }

  private kidOf(token: string): string {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot > 1024 || token.length > MAX_TOKEN_LENGTH) {
      throw new JwtVerificationError('malformed');
    }
    const segment = token.slice(0, dot);
    let kid = this.kids.get(segment);
    if (kid === undefined) {
      kid = kidOfHeader(segment);
      // Only headers of keys we hold are kept, so junk headers cannot grow the map.
      if (this.verifiers.has(kid) && this.kids.size < MAX_CACHED_HEADERS)
        this.kids.set(segment, kid);
    }
    return kid;
  }

  private verifierFor(key: VerificationKey): VerifyFn {
    const { issuer, audience, leewaySeconds } = this.options;
    return createVerifier({
      key: key.key,
      algorithms: [key.alg],
      allowedIss: issuer,
      allowedAud: audience,
      checkTyp: ACCESS_TOKEN_TYP,
      clockTolerance: leewaySeconds * 1000,
      requiredClaims: REQUIRED_CLAIMS,
      // Caching is done above, keyed by the token itself (fast-jwt's cache hashes every token
      // it looks up, which for HS256 costs as much as verifying it).
      cache: false,
    }) as VerifyFn;
  }
}

const MAX_TOKEN_LENGTH = 8 * 1024;
const MAX_CACHED_HEADERS = 64;

/** Reads the `kid` of the protected header without trusting anything else in it. */
function kidOfHeader(segment: string): string {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtVerificationError('malformed');
  }
  const kid = (header as { kid?: unknown } | null)?.kid;
  if (typeof kid !== 'string' || kid.length === 0) throw new JwtVerificationError('malformed');
  return kid;
}
