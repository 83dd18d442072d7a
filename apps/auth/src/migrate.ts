import 'reflect-metadata';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '@authfarm/config';
import { dataSourceOptions } from './database/data-source.js';

/**
 * `npm run migrate`: applies pending migrations, then exits. Kubernetes runs it as the auth pods'
 * init container, Compose as a one-shot service before auth, the local farm before any service.
 *
 * It waits for Postgres (up to MIGRATE_WAIT_SECONDS: a store still starting is the normal case on
 * a platform that starts everything at once) and holds a Postgres advisory lock while it
 * migrates, so the init containers of several auth pods starting together apply each migration
 * once: the others wait for the lock, then find nothing pending.
 */
const config = loadConfigOrExit('migrate');
// The services' line shape (docs/logging.md) with pino alone: @authfarm/platform would load Nest
// and Fastify too, a second and a half more for every farm start.
const logger = pino({
  level: config.env.LOG_LEVEL,
  base: { service: 'migrate', pid: process.pid },
  formatters: { level: (label) => ({ level: label }) },
});
/** Any 64-bit number all authfarm migrators agree on: "authfarm" in ASCII. */
const MIGRATION_LOCK = '7022836283453583725';
const waitMs = config.env.MIGRATE_WAIT_SECONDS * 1000;
const deadline = Date.now() + waitMs;
// Migrations may hold locks for longer than a request would: the services' query timeout (a few
// STORE_TIMEOUT_MS) would cut them off. Bounded by the wait instead.
const options = dataSourceOptions(config);
const dataSource = new DataSource({
  ...options,
  extra: { ...options.extra, query_timeout: Math.max(waitMs, 30_000) },
});
// Where it connects, never with the password: the URL carries it.
const database = (({ hostname, port, pathname }) => `${hostname}:${port || 5432}${pathname}`)(
  new URL(config.env.DATABASE_URL),
);

await connect();
try {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    logger.info({ database, migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
} catch (error) {
  logger.error({ database, error: summary(error) }, 'migrations failed');
  process.exitCode = 1;
} finally {
  await dataSource.destroy().catch(() => undefined);
}

/** Connects, retrying with back-off until the deadline; exits 1 naming the database after it. */
async function connect(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      const delayMs = Math.min(250 * 2 ** (attempt - 1), 5000);
      if (Date.now() + delayMs > deadline) {
        logger.error(
          { database, attempt, error: summary(error) },
          `Postgres did not answer within MIGRATE_WAIT_SECONDS=${config.env.MIGRATE_WAIT_SECONDS}`,
        );
        process.exit(1);
      }
      logger.warn(
        { database, attempt, error: summary(error), retryInMs: delayMs },
        'waiting for Postgres',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The driver's code and message: enough to act on, no stack, no connection string. */
function summary(error: unknown): { code?: string; message: string } {
  const { code, message } = error as { code?: string; message?: string };
  return { ...(code ? { code } : {}), message: message ?? String(error) };
}
