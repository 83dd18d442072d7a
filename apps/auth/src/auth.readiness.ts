import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { Readiness } from '@authfarm/platform';
import { SessionStore } from '@authfarm/session-store';
import { MIGRATIONS } from './database/data-source.js';
import { KeyRing } from './keys/key-ring.js';

/** The newest migration this build knows: the schema it needs. */
const NEWEST_MIGRATION = MIGRATIONS.at(-1)?.name ?? '';

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
    const database = this.dataSource
      .query('SELECT 1 FROM migrations WHERE name = $1', [NEWEST_MIGRATION])
      .then(
        (rows: unknown[]) => rows.length === 1,
        () => false,
      );
    const store = this.config.enabled('session') ? this.store.ping() : Promise.resolve(true);
    return this.ring.canSign && (await Promise.all([database, store])).every(Boolean);
  }
}
