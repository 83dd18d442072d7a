import { Redis } from 'ioredis';
import pg from 'pg';

/** Removes what the tests wrote: the test database and every key under the run's prefix. */
export default async function globalTeardown() {
  const stores = globalThis.__authfarmStores;
  if (!stores) return;
  globalThis.__authfarmStores = undefined;
  const redis = new Redis(process.env.AUTHFARM_TEST_REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    const prefix = `authfarm-test:${process.env.AUTHFARM_TEST_RUN}:`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const admin = new URL(process.env.AUTHFARM_TEST_DATABASE_URL);
  // The database this run used: AUTHFARM_TEST_DATABASE_URL lets parallel checkouts use their own.
  const database = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await client.end();
  for (const store of stores) await store.stop();
}
