import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { JwtAlgorithm } from '@authfarm/config';
import { createPgPool, createRedisClient } from '@authfarm/platform';
import { IN_SERVER_PRIMITIVES } from './primitives-in-server.js';
import { hmac, verifier } from './primitives.js';

/**
 * The primitive floor once per request: a bare `node:http` server (a child process of the
 * benchmark) that runs one primitive for each request to `/op/<n>` and nothing for `/op/plain`.
 * Its CPU per request over the plain route is what the primitive costs a server that does one
 * at a time between network wake-ups, with the replicas' own clients (the coalescing ioredis
 * client, the same pg pool): a cold cache and a fresh event-loop turn each time, which a loop of
 * the same call does not pay.
 *
 * Environment: REDIS_URL, DATABASE_URL (a database with the sessions table), REDIS_KEY_PREFIX.
 */

async function main(): Promise<void> {
  const env = process.env;
  const redis = createRedisClient(env.REDIS_URL ?? '', 500, 'bench-floor');
  await redis.connect();
  const key = `${env.REDIS_KEY_PREFIX ?? 'authfarm-bench:'}floor:${randomBytes(4).toString('hex')}`;
  await redis.set(key, 'alice', 'EX', 3600);
  const pool = createPgPool(env.DATABASE_URL ?? '', 500, 4);
  const query = {
    name: 'bench_floor',
    text: 'SELECT id FROM sessions WHERE id = $1',
    values: ['x'],
  };
  await pool.query(query);
  const ops: Record<(typeof IN_SERVER_PRIMITIVES)[number], () => unknown> = {
    'redis GET (client)': () => redis.get(key),
    'pg query by key, prepared (client)': () => pool.query(query),
    'HMAC-SHA256 of a token': hmac(),
    'verify HS256 (fast-jwt)': verifier('HS256' as JwtAlgorithm, false),
    'verify EdDSA (fast-jwt)': verifier('EdDSA' as JwtAlgorithm, false),
    'verify ES256 (fast-jwt)': verifier('ES256' as JwtAlgorithm, false),
    'verify RS256 (fast-jwt)': verifier('RS256' as JwtAlgorithm, false),
  };
  const routes = new Map<string, () => unknown>([['/op/plain', () => undefined]]);
  IN_SERVER_PRIMITIVES.forEach((name, index) => routes.set(`/op/${index}`, ops[name]));

  const server = createServer((request, response) => {
    const op = routes.get(request.url ?? '');
    if (!op) return void response.writeHead(404).end();
    Promise.resolve()
      .then(op)
      .then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        () => response.writeHead(503).end(),
      );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('disconnect', () => {
    server.close();
    void redis.del(key).finally(() => {
      redis.disconnect();
      void pool.end().finally(() => process.exit(0));
    });
  });
}

await main();
