import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import type { AccessTokenClaims } from './access-token.js';
import { JwtKeys } from './jwt-keys.js';
import { JwtVerificationError, JwtVerifier } from './jwt-verifier.js';

/** Verifies access tokens with the keys the app was given, refetching on an unknown kid. */
@Injectable()
export class AccessTokenVerifier implements OnApplicationBootstrap {
  private readonly logger = new Logger(AccessTokenVerifier.name);
  private readonly verifier: JwtVerifier;

  constructor(
    config: AppConfig,
    private readonly keys: JwtKeys,
  ) {
    this.verifier = new JwtVerifier({
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      leewaySeconds: config.env.JWT_LEEWAY,
      cacheSize: config.env.JWT_VERIFIED_CACHE,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.reload())) this.logger.warn('no verification keys yet; retrying on demand');
  }

  /** True once at least one key is loaded (readiness). Tries to load keys if none are. */
  async ready(): Promise<boolean> {
    return this.verifier.keyCount > 0 || this.reload();
  }

  /** Claims of a valid token; throws `JwtVerificationError` otherwise. */
  async verify(token: string): Promise<AccessTokenClaims> {
    return this.verifyNow(token);
  }

  /**
   * The synchronous hot path: claims of a valid token signed by a known key. For an unknown kid
   * it returns a promise that refetches keys (rate-limited) and tries once more.
   */
  verifyNow(token: string): AccessTokenClaims | Promise<AccessTokenClaims> {
    try {
      return this.verifier.verify(token);
    } catch (error) {
      return this.retryWithFreshKeys(token, error);
    }
  }

  private async retryWithFreshKeys(token: string, error: unknown): Promise<AccessTokenClaims> {
    if (!(error instanceof JwtVerificationError) || error.reason !== 'unknown-kid') throw error;
    const keys = await this.keys.refreshForUnknownKid();
    if (!keys) throw error;
    this.verifier.setKeys(keys);
    return this.verifier.verify(token);
  }

  private async reload(): Promise<boolean> {
    const keys = await this.keys.load();
    if (keys && keys.length > 0) this.verifier.setKeys(keys);
    return this.verifier.keyCount > 0;
  }
}
