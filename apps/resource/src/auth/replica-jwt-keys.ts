import { Injectable } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { JwksKeySource, JwtKeys } from '@authfarm/credentials';
import { secretKid, type VerificationKey } from '@authfarm/keys';

/**
 * A replica's verification keys. HS256: the shared secret from config (so a replica can also
 * sign: the blast radius docs/modes/jwt.md describes). Asymmetric: public keys only, from the
 * auth service's JWKS.
 */
@Injectable()
export class ReplicaJwtKeys extends JwtKeys {
  private readonly jwks: JwksKeySource | undefined;
  private readonly secretKey: VerificationKey | undefined;

  constructor(config: AppConfig) {
    super();
    const { JWT_ALG, JWT_SECRET, AUTH_URL, STORE_TIMEOUT_MS } = config.env;
    if (JWT_ALG === 'HS256' && JWT_SECRET) {
      this.secretKey = { kid: secretKid(JWT_SECRET), alg: 'HS256', key: JWT_SECRET };
    } else {
      this.jwks = new JwksKeySource({
        url: new URL('/.well-known/jwks.json', AUTH_URL).toString(),
        minRefreshIntervalMs: 10_000,
        timeoutMs: STORE_TIMEOUT_MS * 2,
      });
    }
  }

  async load(): Promise<VerificationKey[] | undefined> {
    return this.secretKey ? [this.secretKey] : this.jwks?.fetch();
  }

  async refreshForUnknownKid(): Promise<VerificationKey[] | undefined> {
    return this.jwks?.refreshForUnknownKid();
  }
}
