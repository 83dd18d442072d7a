import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisSessionStore, newSessionSecret, sessionIdOf } from '@authfarm/session-store';
import type { BenchContext } from '../bench-context.js';

export interface MemoryResult {
  sessions: number;
  redisBytesPerSession: number;
  postgresBytesPerSession: number;
  jwtServerBytesPerSession: 0;
  projections: Array<{ users: number; redisBytes: number; postgresBytes: number }>;
}

/** Scenario 5: bytes per stored session in Redis and Postgres (table plus indexes). */
export async function memoryPerSession(ctx: BenchContext): Promise<MemoryResult> {
  const { profile, progress } = ctx;
  progress.start('5. memory per session');
  const n = profile.sessions;
  const prefix = `${ctx.prefix}mem:`;
  const redis = new Redis(ctx.redisUrl);
  const store = new RedisSessionStore(redis, prefix, {
    idleMs: 3_600_000,
    absoluteMs: 28_800_000,
    touchIntervalMs: 60_000,
  });
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const before = await used();
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, () => {
        const id = sessionIdOf(newSessionSecret()) as string;
        ids.push(id);
        return store.create(id, {
          userId: randomUUID(),
          username: 'user-0123456789',
          createdAt: now,
          lastSeenAt: now,
          absoluteExpiresAt: now + 28_800_000,
          userAgent:
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
        });
      }),
    );
    progress.update((i / n) * 0.5, 'redis');
  }
  const redisBytes = (await used()) - before;
  for (let i = 0; i < ids.length; i += 1000)
    await redis.del(...ids.slice(i, i + 1000).map((id) => `${prefix}sess:${id}`));
  await redis.eval(
    `for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end`,
    0,
    `${prefix}*`,
  );
  redis.disconnect();

  const size = async () =>
    Number(
      (await ctx.db.query<{ n: string }>(`SELECT pg_total_relation_size('sessions') AS n`)).rows[0]
        .n,
    );
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO users (username, password_hash) VALUES ($1, 'x') RETURNING id`,
    [`mem-${randomUUID().slice(0, 8)}`],
  );
  await ctx.db.query('VACUUM FULL sessions');
  const pgBefore = await size();
  await ctx.db.query(
    `INSERT INTO sessions (id, user_id, username, created_at, last_seen_at, idle_expires_at, absolute_expires_at, user_agent)
     SELECT encode(sha256(g::text::bytea), 'base64'), $1, 'user-0123456789', now(), now(), now() + interval '30 min',
            now() + interval '8 hours', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'
       FROM generate_series(1, $2) AS g`,
    [rows[0].id, n],
  );
  progress.update(0.9, 'postgres');
  const pgBytes = (await size()) - pgBefore;
  await ctx.db.query('DELETE FROM users WHERE id = $1', [rows[0].id]);
  const redisBytesPerSession = redisBytes / n;
  const postgresBytesPerSession = pgBytes / n;
  const result: MemoryResult = {
    sessions: n,
    redisBytesPerSession,
    postgresBytesPerSession,
    jwtServerBytesPerSession: 0,
    projections: [1e6, 1e9].map((users) => ({
      users,
      redisBytes: users * redisBytesPerSession,
      postgresBytes: users * postgresBytesPerSession,
    })),
  };
  progress.done(
    `redis ${redisBytesPerSession.toFixed(0)} B, postgres ${postgresBytesPerSession.toFixed(0)} B per session`,
  );
  return result;
}
