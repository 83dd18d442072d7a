import { Injectable } from '@nestjs/common';
import { createSigner } from 'fast-jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@authfarm/config';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '@authfarm/credentials';
import { loadSigningKey, type SigningKey } from '@authfarm/keys';
import { AppError } from '@authfarm/platform';

type SignFn = (payload: Partial<AccessTokenClaims>) => string;

/** Signs access tokens. Only the auth service holds a signing key. */
@Injectable()
export class TokenSigner {
  /** Undefined when jwt mode is off: no key is needed or loaded then. */
  readonly key: SigningKey | undefined;
  readonly ttlSeconds: number;
  private readonly sign: SignFn;

  constructor(config: AppConfig) {
    const env = config.env;
    this.ttlSeconds = env.JWT_TTL;
    if (!config.tokensEnabled) {
      this.sign = () => {
        throw new AppError('MODE_NOT_ENABLED');
      };
      return;
    }
    this.key = loadSigningKey(env.JWT_ALG, {
      secret: env.JWT_SECRET,
      privateKeyPem: config.jwtPrivateKeyPem,
    });
    this.sign = createSigner({
      key: this.key.key,
      algorithm: this.key.alg,
      kid: this.key.kid,
      iss: env.JWT_ISSUER,
      aud: env.JWT_AUDIENCE,
      expiresIn: env.JWT_TTL * 1000,
      header: { alg: this.key.alg, typ: ACCESS_TOKEN_TYP },
    }) as SignFn;
  }

  /** A short-lived access token for one session (`sid`), with a unique `jti`. */
  accessToken(
    subject: { userId: string; username: string },
    sid: string,
    mode: AccessTokenClaims['mode'],
  ): string {
    return this.sign({
      sub: subject.userId,
      sid,
      jti: randomUUID(),
      preferred_username: subject.username,
      mode,
    });
  }
}
