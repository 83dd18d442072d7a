import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { Metrics } from '@authfarm/platform';
import { RevocationState } from '@authfarm/revocation';
import { readBearer, type AccessTokenClaims } from './access-token.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { JwtVerificationError } from './jwt-verifier.js';
import type { Principal } from './principal.js';

type VerifyCallback = (error: Error | null, payload?: AccessTokenClaims) => void;

/**
 * Bearer access tokens through passport-jwt, with its verifier swapped for ours: passport-jwt's
 * default (jsonwebtoken given a string key) re-parses the key on every call, measured 36-40x
 * slower for HS256 and 3-5x for ES256/RS256, and cannot verify EdDSA at all
 * (docs/decisions/0002-jwt-library.md). passport-jwt exposes `JwtVerifier` for exactly this.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    verifier: AccessTokenVerifier,
    private readonly metrics: Metrics,
    private readonly revocations: RevocationState,
  ) {
    super({
      // The guard's own reader (RFC 6750 §2.1), so the guard and the strategy agree on what a
      // bearer token is, and the header is not parsed a second time by a regular expression.
      jwtFromRequest: (req: { headers: { authorization?: string } }) =>
        readBearer(req.headers.authorization) ?? null,
      // Keys are chosen per token by kid inside the verifier; this value is never used.
      secretOrKeyProvider: (_req: unknown, _token: string, done: (e: null, k: string) => void) =>
        done(null, 'by-kid'),
    });
    (Strategy as unknown as { JwtVerifier: unknown }).JwtVerifier = (
      token: string,
      _key: unknown,
      _options: unknown,
      done: VerifyCallback,
    ) => {
      const start = performance.now();
      const fail = (error: unknown) => {
        const expired = error instanceof JwtVerificationError && error.reason === 'expired';
        this.metrics.authOutcome('jwt', expired ? 'expired' : 'invalid');
        done(error as Error);
      };
      const succeed = (claims: AccessTokenClaims) => {
        this.metrics.verifyDuration('jwt', (performance.now() - start) / 1e3);
        done(null, claims);
      };
      let result: AccessTokenClaims | Promise<AccessTokenClaims>;
      try {
        result = verifier.verifyNow(token);
      } catch (error) {
        return fail(error);
      }
      // A known key answers synchronously; only an unknown kid waits for a JWKS refetch.
      if (result instanceof Promise) result.then(succeed, fail);
      else succeed(result);
    };
  }

  validate(claims: AccessTokenClaims): Principal | false {
    const mode = claims.mode === 'hybrid' ? 'hybrid' : 'jwt';
    // Hybrid: a local Map lookup against the pushed revocation list, no round trip.
    if (mode === 'hybrid' && !this.revocations.assertLive(claims.sid, claims.sub, claims.iat)) {
      this.metrics.authOutcome('jwt', 'revoked');
      return false;
    }
    this.metrics.authOutcome('jwt', 'ok');
    return {
      sub: claims.sub,
      username: claims.preferred_username,
      sid: claims.sid,
      mode,
      iat: claims.iat,
    };
  }
}
