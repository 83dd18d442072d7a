import { Injectable } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AccessTokenVerifier } from '@authfarm/credentials';
import { Readiness } from '@authfarm/platform';
import { RevocationState } from '@authfarm/revocation';
import { SessionStore } from '@authfarm/session-store';

/** Ready when every enabled credential kind can be checked: the store answers, keys are loaded. */
@Injectable()
export class ResourceReadiness extends Readiness {
  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly tokens: AccessTokenVerifier,
    private readonly revocations: RevocationState,
  ) {
    super();
  }

  async isReady(): Promise<boolean> {
    const checks: Promise<boolean>[] = [];
    if (this.config.enabled('session')) checks.push(this.store.ping());
    if (this.config.tokensEnabled) checks.push(this.tokens.ready());
    // Hybrid: not ready until the durable revocation list is loaded and the feed is live.
    if (this.config.enabled('hybrid')) checks.push(Promise.resolve(this.revocations.ready));
    // A shared secret verifies any kid: revoked ones must be known before the first request.
    // (Asymmetric keys come from the JWKS, which never lists a revoked key.)
    const { JWT_ALG, JWT_SECRET } = this.config.env;
    if (this.config.tokensEnabled && JWT_ALG === 'HS256' && JWT_SECRET) {
      checks.push(Promise.resolve(this.revocations.revokedKidsLoaded));
    }
    return (await Promise.all(checks)).every(Boolean);
  }
}
