import { Redis } from 'ioredis';
import pg from 'pg';
import { TEST_DATABASE, testEnv } from './test-env.js';

/** Removes what the tests wrote: the test database and every key under the run's prefix. */
export default async function globalTeardown(): Promise<void> {
  const stores = globalThis.__authfarmStores;
  if (!stores) return;
  globalThis.__authfarmStores = undefined;
  const env = testEnv();
  const redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const admin = new URL(env.databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE} WITH (FORCE)`);
  await client.end();
  for (const store of stores) await store.stop();
}
