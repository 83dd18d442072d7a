import { Injectable } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { JwksKeySource, JwtKeys } from '@authfarm/credentials';
import { secretKid, type VerificationKey } from '@authfarm/keys';

/**
 * A replica's verification keys: the public keys of the auth service's JWKS, plus the shared
 * secret with JWT_ALG=HS256 (a replica can then also sign: the blast radius docs/keys.md shows).
 * Both at once during a migration from HS256 to an asymmetric algorithm (docs/keys.md); setting
 * JWT_ALG to the new algorithm and removing JWT_SECRET on the replicas ends HS256.
 */
@Injectable()
export class ReplicaJwtKeys extends JwtKeys {
  private readonly jwks: JwksKeySource;
  private readonly secretKey: VerificationKey[];
  /** The last JWKS that could be fetched: an auth outage must not drop keys already known. */
  private published: VerificationKey[] | undefined;

  constructor(config: AppConfig) {
    super();
    const { JWT_ALG, JWT_SECRET, AUTH_URL, STORE_TIMEOUT_MS } = config.env;
    // Only while JWT_ALG=HS256: a secret left behind after a migration must not keep HS256's
    // blast radius without anyone noticing (RFC 8725 §3.1: accept only what you intend).
    this.secretKey =
      JWT_ALG === 'HS256' && JWT_SECRET
        ? [{ kid: secretKid(JWT_SECRET), alg: 'HS256', key: JWT_SECRET }]
        : [];
    this.jwks = new JwksKeySource({
      url: new URL('/.well-known/jwks.json', AUTH_URL).toString(),
      minRefreshIntervalMs: 10_000,
      timeoutMs: STORE_TIMEOUT_MS * 2,
    });
  }

  async load(): Promise<VerificationKey[] | undefined> {
    return this.merge(await this.jwks.fetch());
  }

  async refreshForUnknownKid(): Promise<VerificationKey[] | undefined> {
    const fetched = await this.jwks.refreshForUnknownKid();
    return fetched && this.merge(fetched);
  }

  private merge(fetched: VerificationKey[] | undefined): VerificationKey[] | undefined {
    this.published = fetched ?? this.published;
    if (!this.published && this.secretKey.length === 0) return undefined;
    return [...this.secretKey, ...(this.published ?? [])];
  }
}
