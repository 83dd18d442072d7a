import { createHmac } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { Redis } from 'ioredis';
import pg from 'pg';
import { generateKeyMaterial, loadSigningKey } from '@authfarm/keys';
import type { JwtAlgorithm } from '@authfarm/config';
import { RedisSessionStore, newSessionSecret, sessionIdOf } from '@authfarm/session-store';
import { createPublicKey } from 'node:crypto';
import type { BenchContext } from '../bench-context.js';
import { median } from '../measure/load.js';

export interface Primitive {
  name: string;
  /** CPU µs of the calling process per operation (median of rounds). */
  cpuMicros: number;
  rounds: number[];
}

const CLAIMS = {
  iss: 'authfarm',
  aud: 'authfarm-api',
  sub: '3f0c2a8e-4b1d-4c7e-9a55-0d3c1f2b7e19',
  sid: 'kq3L1yB0x8m2ZpQwE4rT7A',
  jti: '7b2e1f0a-9c3d-4e5f-8a1b-2c3d4e5f6a7b',
  preferred_username: 'alice',
  mode: 'jwt',
};

/** Scenario 2: the physical floor, each primitive alone, in this process. */
export async function primitiveFloor(ctx: BenchContext): Promise<Primitive[]> {
  const { profile, progress } = ctx;
  progress.start('2. primitive floor');
  const redis = new Redis(ctx.redisUrl);
  const key = `${ctx.prefix}floor`;
  await redis.set(key, 'alice');
  const sessions = new RedisSessionStore(redis, ctx.prefix, {
    idleMs: 1_800_000,
    absoluteMs: 28_800_000,
    touchIntervalMs: 60_000,
  });
  const sessionId = sessionIdOf(newSessionSecret()) as string;
  const now = Date.now();
  await sessions.create(sessionId, {
    userId: 'u',
    username: 'alice',
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + 28_800_000,
    userAgent: 'bench',
  });
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 4 });
  const query = {
    name: 'bench_floor',
    text: 'SELECT id FROM sessions WHERE id = $1',
    values: ['missing'],
  };
  await pool.query(query);

  const ops: Array<[string, () => unknown, number, number]> = [
    ['redis GET (client)', () => redis.get(key), profile.ioOps, IO_CONCURRENCY],
    [
      'redis session touch, EVALSHA (client)',
      () => sessions.touch(sessionId, Date.now()),
      profile.ioOps,
      IO_CONCURRENCY,
    ],
    ['pg query by key, prepared (client)', () => pool.query(query), profile.ioOps, IO_CONCURRENCY],
    ['HMAC-SHA256 of a token', hmac(), profile.primitiveOps, 1],
  ];
  for (const alg of ['HS256', 'EdDSA', 'ES256', 'RS256'] as JwtAlgorithm[]) {
    ops.push([`verify ${alg} (fast-jwt)`, verifier(alg, false), profile.primitiveOps, 1]);
  }
  ops.push(['verify EdDSA, cached (fast-jwt)', verifier('EdDSA', true), profile.primitiveOps, 1]);

  // I/O primitives run 16 at a time, as a replica under load issues them: awaiting one at a time
  // would charge a whole event-loop wake-up to every call.
  const rounds = new Map<string, number[]>(ops.map(([name]) => [name, []]));
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, [name, op, n, concurrency]] of ops.entries()) {
      await batches(op, Math.min(100, n), concurrency); // warm-up
      const start = process.cpuUsage();
      await batches(op, n, concurrency);
      const used = process.cpuUsage(start);
      rounds.get(name)!.push((used.user + used.system) / n);
      progress.update((round * ops.length + index + 1) / (ops.length * profile.rounds), name);
    }
  }
  await redis.del(key);
  await sessions.delete(sessionId);
  redis.disconnect();
  await pool.end();
  const result = ops.map(([name]) => ({
    name,
    cpuMicros: median(rounds.get(name)!),
    rounds: rounds.get(name)!,
  }));
  progress.done(
    result
      .map((p) => `${p.name.split(' ')[0]} ${p.cpuMicros.toFixed(1)}`)
      .slice(0, 4)
      .join(', '),
  );
  return result;
}

const IO_CONCURRENCY = 16;

async function batches(op: () => unknown, n: number, concurrency: number): Promise<void> {
  for (let done = 0; done < n; done += concurrency) {
    const size = Math.min(concurrency, n - done);
    if (size === 1) await op();
    else await Promise.all(Array.from({ length: size }, op));
  }
}

/** One HMAC-SHA256 of a token-sized input, keyed as an HS256 farm is. */
export function hmac(): () => string {
  const secret = generateKeyMaterial('HS256').secret as string;
  const input = 'x'.repeat(300);
  return () => createHmac('sha256', secret).update(input).digest('base64url');
}

/** One fast-jwt verification of a fresh token of `alg` (cached: fast-jwt's own token cache). */
export function verifier(alg: JwtAlgorithm, cached: boolean): () => unknown {
  const key = loadSigningKey(alg, generateKeyMaterial(alg));
  const token = createSigner({ key: key.key, algorithm: alg, kid: key.kid, expiresIn: 600_000 })(
    CLAIMS,
  );
  const publicKey =
    alg === 'HS256'
      ? key.key
      : createPublicKey(key.key).export({ format: 'pem', type: 'spki' }).toString();
  const verify = createVerifier({
    key: publicKey,
    algorithms: [alg],
    cache: cached ? 1000 : false,
  });
  return () => verify(token);
}
