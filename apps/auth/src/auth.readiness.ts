import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { Readiness } from '@authfarm/platform';
import { SessionStore } from '@authfarm/session-store';

/** Ready when Postgres answers and, with session mode on, the session store does too. */
@Injectable()
export class AuthReadiness extends Readiness {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly store: SessionStore,
  ) {
    super();
  }

  async isReady(): Promise<boolean> {
    const database = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const store = this.config.enabled('session') ? this.store.ping() : Promise.resolve(true);
    return (await Promise.all([database, store])).every(Boolean);
  }
}
