import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import type { VerificationKey } from '@authfarm/keys';
import { RevocationState, type KeysChangedEvent } from '@authfarm/revocation';
import type { AccessTokenClaims } from './access-token.js';
import { JwtKeys } from './jwt-keys.js';
import { JwtVerificationError, JwtVerifier } from './jwt-verifier.js';

/** Keys are reread this often even without a pushed change: the safety net under the push. */
const KEY_RELOAD_INTERVAL_MS = 60_000;

/**
 * Verifies access tokens with the keys the app was given. Follows the key ring: a pushed
 * rotation refetches keys at once (so a new kid is known before its first token), a pushed
 * revocation drops the kid at once (its cached tokens included), and an unknown kid refetches
 * (rate-limited).
 */
@Injectable()
export class AccessTokenVerifier implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AccessTokenVerifier.name);
  private readonly verifier: JwtVerifier;
  private timer: NodeJS.Timeout | undefined;
  private secondPass: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    config: AppConfig,
    private readonly keys: JwtKeys,
    private readonly revocations: RevocationState,
  ) {
    this.verifier = new JwtVerifier({
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      leewaySeconds: config.env.JWT_LEEWAY,
      cacheSize: config.env.JWT_VERIFIED_CACHE,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.revocations.onKeysChanged((event) => this.keysChanged(event));
    this.timer = setInterval(() => void this.reload(), KEY_RELOAD_INTERVAL_MS);
    this.timer.unref();
    if (!(await this.reload())) this.logger.warn('no verification keys yet; retrying on demand');
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearTimeout(this.secondPass);
    this.unsubscribe?.();
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

  // A second pass a moment later closes the window in which the push arrived before the
  // service answering the refetch had seen the change itself.
  private keysChanged(event: KeysChangedEvent): void {
    for (const kid of event.revokedKids) this.verifier.removeKey(kid);
    void this.reload();
    clearTimeout(this.secondPass);
    this.secondPass = setTimeout(() => void this.reload(), 1000);
    this.secondPass.unref();
  }

  private async retryWithFreshKeys(token: string, error: unknown): Promise<AccessTokenClaims> {
    if (!(error instanceof JwtVerificationError) || error.reason !== 'unknown-kid') throw error;
    // A revoked kid is refused outright: no refetch can make it valid again.
    if (error.kid === undefined || this.revocations.isKidRevoked(error.kid)) throw error;
    const keys = await this.keys.refreshForUnknownKid();
    if (!keys) throw error;
    this.setKeys(keys);
    return this.verifier.verify(token);
  }

  private async reload(): Promise<boolean> {
    const keys = await this.keys.load().catch(() => undefined);
    if (keys && keys.length > 0) this.setKeys(keys);
    return this.verifier.keyCount > 0;
  }

  private setKeys(keys: VerificationKey[]): void {
    this.verifier.setKeys(keys.filter((key) => !this.revocations.isKidRevoked(key.kid)));
  }
}
