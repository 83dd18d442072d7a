import pg from 'pg';

/**
 * A pg pool whose queries fail within the store timeout when Postgres is away. pg itself corks the
 * socket around the messages of a prepared query (bind, describe, execute, sync), so each query
 * leaves in one write (pg's `query.js`; `test/integration/pg-pool.spec.ts` checks it).
 */
export function createPgPool(url: string, timeoutMs: number, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeoutMs * 2,
    query_timeout: timeoutMs * 2,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}
