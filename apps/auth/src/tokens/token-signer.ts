import { Injectable } from '@nestjs/common';
import { createSigner } from 'fast-jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@authfarm/config';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '@authfarm/credentials';
import type { SigningKey } from '@authfarm/keys';
import { KeyRing } from '../keys/key-ring.js';

type SignFn = (payload: Partial<AccessTokenClaims>) => string;

/** Signs access tokens with the ring's current key. Only the auth service holds signing keys. */
@Injectable()
export class TokenSigner {
  readonly ttlSeconds: number;
  private signer: { kid: string; sign: SignFn } | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly ring: KeyRing,
  ) {
    this.ttlSeconds = config.env.JWT_TTL;
  }

  /** A short-lived access token for one session (`sid`), with a unique `jti`. */
  accessToken(
    subject: { userId: string; username: string },
    sid: string,
    mode: AccessTokenClaims['mode'],
  ): string {
    return this.signerFor(this.ring.signingKey())({
      sub: subject.userId,
      sid,
      jti: randomUUID(),
      preferred_username: subject.username,
      mode,
    });
  }

  // Building a signer parses the key: once per rotation, not per token.
  private signerFor(key: SigningKey): SignFn {
    if (this.signer?.kid !== key.kid) {
      const env = this.config.env;
      const sign = createSigner({
        key: key.key,
        algorithm: key.alg,
        kid: key.kid,
        iss: env.JWT_ISSUER,
        aud: env.JWT_AUDIENCE,
        expiresIn: env.JWT_TTL * 1000,
        header: { alg: key.alg, typ: ACCESS_TOKEN_TYP },
      }) as SignFn;
      this.signer = { kid: key.kid, sign };
    }
    return this.signer.sign;
  }
}
