import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { Readiness } from '@authfarm/platform';
import { SessionStore } from '@authfarm/session-store';
import { KeyRing } from './keys/key-ring.js';

/**
 * Ready when Postgres answers, with session mode on the session store does too, and with tokens
 * on the key ring can sign.
 */
@Injectable()
export class AuthReadiness extends Readiness {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly store: SessionStore,
    private readonly ring: KeyRing,
  ) {
    super();
  }

  async isReady(): Promise<boolean> {
    const database = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const store = this.config.enabled('session') ? this.store.ping() : Promise.resolve(true);
    return this.ring.canSign && (await Promise.all([database, store])).every(Boolean);
  }
}
