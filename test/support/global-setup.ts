import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { dataSourceOptions } from '../../apps/auth/src/database/data-source.js';
import { ensurePostgres, ensureRedis, type StoreHandle } from '../../apps/farm/src/stores.js';
import { TEST_DATABASE, testEnv } from './test-env.js';

declare global {
  var __authfarmStores: StoreHandle[] | undefined;
}

/**
 * Makes sure Redis and Postgres are there (starting private ones where they are not), creates
 * the test database and migrates it. Workers inherit the URLs through the environment.
 */
export default async function globalSetup(): Promise<void> {
  if (globalThis.__authfarmStores) return; // one setup per run, shared by the projects
  process.env.AUTHFARM_TEST_RUN ??= randomBytes(4).toString('hex');
  const env = testEnv();
  const redis = await ensureRedis(env.redisUrl);
  const postgres = await ensurePostgres(env.databaseUrl.replace(/\/[^/]*$/, `/${TEST_DATABASE}`));
  globalThis.__authfarmStores = [redis, postgres];
  process.env.AUTHFARM_TEST_REDIS_URL = redis.url;
  process.env.AUTHFARM_TEST_DATABASE_URL = postgres.url;
  const config = new AppConfig('migrate', { DATABASE_URL: postgres.url });
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}
