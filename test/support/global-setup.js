// Runs outside Jest's module system, so it uses the built code in dist/ (`npm test` builds first).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../dist/libs/config/src/index.js';
import { dataSourceOptions } from '../../dist/apps/auth/src/database/data-source.js';
import { ensurePostgres, ensureRedis } from '../../dist/libs/farm/src/index.js';

export const TEST_DATABASE = 'authfarm_test';

/**
 * Makes sure Redis and Postgres are there (starting private ones where they are not), creates
 * the test database and migrates it. Workers inherit the URLs and key prefix through the
 * environment (the names test-env.ts reads).
 */
export default async function globalSetup() {
  if (globalThis.__authfarmStores) return; // one setup per run, shared by the projects
  if (!existsSync(new URL('../../dist/libs/farm/src/index.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
  process.env.AUTHFARM_TEST_RUN ??= randomBytes(4).toString('hex');
  const redis = await ensureRedis(process.env.AUTHFARM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const postgres = await ensurePostgres(
    process.env.AUTHFARM_TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE}`,
  );
  globalThis.__authfarmStores = [redis, postgres];
  process.env.AUTHFARM_TEST_REDIS_URL = redis.url;
  process.env.AUTHFARM_TEST_DATABASE_URL = postgres.url;
  const dataSource = new DataSource(
    dataSourceOptions(new AppConfig('migrate', { DATABASE_URL: postgres.url })),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}
