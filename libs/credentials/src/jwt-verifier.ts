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
  /** Verified tokens kept (until their exp) so a repeat costs a lookup, not a signature check. */
  cacheSize: number;
}

type VerifyFn = (token: string) => AccessTokenClaims;

interface KeyVerifier {
  key: VerificationKey;
  verify: VerifyFn;
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
  }

  /** Stops accepting one key at once (an emergency revocation), cached tokens included. */
  removeKey(kid: string): void {
    this.verifiers.delete(kid);
    this.kids.clear();
  }

  hasKey(kid: string): boolean {
    return this.verifiers.has(kid);
  }

  get keyCount(): number {
    return this.verifiers.size;
  }

  /** Returns the claims of a valid token or throws a `JwtVerificationError`. */
  verify(token: string): AccessTokenClaims {
    const kid = this.kidOf(token);
    const verifier = this.verifiers.get(kid);
    if (!verifier) throw new JwtVerificationError('unknown-kid', kid);
    try {
      return verifier.verify(token);
    } catch (error) {
      const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
      throw new JwtVerificationError(expired ? 'expired' : 'invalid', kid);
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
    const { issuer, audience, leewaySeconds, cacheSize } = this.options;
    return createVerifier({
      key: key.key,
      algorithms: [key.alg],
      allowedIss: issuer,
      allowedAud: audience,
      checkTyp: ACCESS_TOKEN_TYP,
      clockTolerance: leewaySeconds * 1000,
      requiredClaims: REQUIRED_CLAIMS,
      cache: cacheSize > 0 ? cacheSize : false,
      errorCacheTTL: 0,
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
