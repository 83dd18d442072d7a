import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import type pg from 'pg';
import { createPgPool } from '@authfarm/platform';
import { countWrites } from '../support/socket-writes.js';
import { testEnv } from '../support/test-env.js';

describe('the Postgres pool (real Postgres)', () => {
  let pool: pg.Pool;

  beforeAll(() => {
    pool = createPgPool(testEnv().databaseUrl, 1000, 1);
  });

  afterAll(() => pool.end());

  it('sends a prepared query (bind, describe, execute, sync) in one write', async () => {
    const query = { name: 'pg_pool_spec', text: 'SELECT $1::bigint AS n', values: ['7'] };
    const client = await pool.connect();
    try {
      // pg's own socket: where a query's four messages would otherwise leave one by one.
      const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
      await client.query(query); // parses the statement
      const writes = countWrites(socket);
      for (let i = 0; i < 5; i++) {
        expect((await client.query<{ n: string }>(query)).rows).toEqual([{ n: '7' }]);
      }
      expect(writes()).toBe(5);
    } finally {
      client.release();
    }
  });
});
