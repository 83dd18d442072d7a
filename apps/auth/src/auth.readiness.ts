import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { Readiness } from '@authfarm/platform';
import { SessionStore } from '@authfarm/session-store';
import { NEWEST_MIGRATION, SCHEMA_CURRENT_SQL } from './database/data-source.js';
import { KeyRing } from './keys/key-ring.js';

/**
 * Ready when Postgres answers with this build's schema (the newest migration applied: a platform
 * that starts auth before the migrations have run must not route logins to it), with session mode
 * on the session store answers too, and with tokens on the key ring can sign.
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
    const database = this.dataSource.query(SCHEMA_CURRENT_SQL, [NEWEST_MIGRATION]).then(
      (rows: unknown[]) => rows.length === 1,
      () => false,
    );
    const store = this.config.enabled('session') ? this.store.ping() : Promise.resolve(true);
    return this.ring.canSign && (await Promise.all([database, store])).every(Boolean);
  }
}
