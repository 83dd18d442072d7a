import { Injectable } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AccessTokenVerifier } from '@authfarm/credentials';
import { Readiness } from '@authfarm/platform';
import { SessionStore } from '@authfarm/session-store';

/** Ready when every enabled credential kind can be checked: the store answers, keys are loaded. */
@Injectable()
export class ResourceReadiness extends Readiness {
  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly tokens: AccessTokenVerifier,
  ) {
    super();
  }

  async isReady(): Promise<boolean> {
    const checks: Promise<boolean>[] = [];
    if (this.config.enabled('session')) checks.push(this.store.ping());
    if (this.config.enabled('jwt')) checks.push(this.tokens.ready());
    return (await Promise.all(checks)).every(Boolean);
  }
}
