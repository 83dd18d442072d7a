import type { Redis } from 'ioredis';
import type pg from 'pg';

/** Commands Redis has executed, by the server's own count (INFO commandstats). */
export async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) calls += Number(match[1]);
  // The INFO call itself is counted once the reply is built; callers subtract 1 per read.
  return calls;
}

/** Redis's process id, for CPU accounting. */
export async function redisPid(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
}

/** Statements Postgres has finished for one database (pg_stat_database, flushed by the server). */
export async function postgresTransactions(client: pg.Client, database: string): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ n: string }>(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}
