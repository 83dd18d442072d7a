import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  ensurePostgres,
  ensureRedis,
  startFarm,
  type Farm,
  type StoreHandle,
} from '@authfarm/farm';
import { CpuMeter, pidsNamed } from './measure/process-cpu.js';
import { redisPid } from './measure/store-counters.js';
import type { Profile } from './profile.js';
import type { Progress } from './progress.js';

export type Credential = Record<string, string>;
/**
 * The scratch database of this run, dropped at the end. Unique per run: two runs (a benchmark and
 * the test suite's tiny one, say) must not drop each other's database.
 */
export const BENCH_DATABASE = `authfarm_bench_${randomBytes(4).toString('hex')}`;
const PASSWORD = 'bench password 1';

/** Stores, farms and admin connections shared by the scenarios of one benchmark run. */
export class BenchContext {
  /** HS256 secret of the farms that use it, so the benchmark can also mint test tokens. */
  readonly secret = randomBytes(32).toString('base64url');
  private readonly keyEncryptionKey = randomBytes(32).toString('base64url');
  readonly prefix = `authfarm-bench:${randomBytes(3).toString('hex')}:`;
  private readonly farms = new Map<string, Promise<Farm>>();
  private redisServerPid = 0;

  private constructor(
    readonly profile: Profile,
    readonly progress: Progress,
    readonly redisUrl: string,
    readonly databaseUrl: string,
    readonly redis: Redis,
    readonly db: pg.Client,
    private readonly stores: StoreHandle[],
  ) {}

  static async create(
    profile: Profile,
    progress: Progress,
    env: NodeJS.ProcessEnv,
  ): Promise<BenchContext> {
    const redisStore = await ensureRedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const base = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/authfarm');
    base.pathname = `/${BENCH_DATABASE}`;
    const pgStore = await ensurePostgres(base.toString());
    const redis = new Redis(redisStore.url);
    const db = new pg.Client({ connectionString: pgStore.url });
    await db.connect();
    const context = new BenchContext(profile, progress, redisStore.url, pgStore.url, redis, db, [
      redisStore,
      pgStore,
    ]);
    context.redisServerPid = await redisPid(redis);
    return context;
  }

  /**
   * The env every benchmark farm shares: its own database and key prefix, and LOG_LEVEL=error,
   * as in every run before structured logs, so no access line is written (docs/benchmark.md).
   */
  farmEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      REDIS_URL: this.redisUrl,
      DATABASE_URL: this.databaseUrl,
      REDIS_KEY_PREFIX: this.prefix,
      GATEWAY_PORT: '0',
      LOG_LEVEL: 'error',
      JWT_ALG: 'HS256',
      JWT_SECRET: this.secret,
      // One key-encryption key for the run: a farm started again opens the ring it left.
      JWT_KEY_ENCRYPTION_KEY: this.keyEncryptionKey,
      JWT_TTL: '300',
      REPLICAS: '1',
      ...extra,
    };
  }

  /** Starts (once) and returns the farm called `name`. */
  farm(
    name: string,
    env: Record<string, string> = {},
    replicaEnv: Record<string, string> = {},
  ): Promise<Farm> {
    let farm = this.farms.get(name);
    if (!farm) {
      // Each farm keeps its own key ring: farms of different algorithms run side by side.
      const ring = name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
      farm = startFarm({
        env: this.farmEnv({ JWT_KEY_RING: ring, ...env }),
        replicaEnv,
        log: () => undefined,
      });
      this.farms.set(name, farm);
    }
    return farm;
  }

  async stopFarm(name: string): Promise<void> {
    const farm = this.farms.get(name);
    this.farms.delete(name);
    await (await farm?.catch(() => undefined))?.stop();
  }

  /** CPU of each process kind of one farm, plus the stores. */
  cpuMeter(farm: Farm): CpuMeter {
    return new CpuMeter({
      gateway: () => [farm.gateway.child.pid ?? 0],
      replica: () => farm.replicas.map((r) => r.child.pid ?? 0),
      auth: () => farm.auths.map((a) => a.child.pid ?? 0),
      redis: () => [this.redisServerPid],
      postgres: () => pidsNamed('postgres'),
    });
  }

  /** A fresh user logged in with `mode`: the headers that carry its credential. */
  async login(farm: Farm, mode: 'session' | 'jwt' | 'hybrid'): Promise<Credential> {
    const username = `bench-${randomUUID().slice(0, 12)}`;
    await post(`${farm.gatewayUrl}/auth/register`, { username, password: PASSWORD });
    const response = await post(`${farm.gatewayUrl}/auth/login`, {
      username,
      password: PASSWORD,
      mode,
    });
    if (mode === 'session') {
      const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
      if (!cookie) throw new Error('login set no cookie');
      return { cookie };
    }
    const body = (await response.json()) as { access_token: string };
    return { authorization: `Bearer ${body.access_token}` };
  }

  /** Stops every farm and removes what the run wrote: its keys and its scratch database. */
  async close(): Promise<void> {
    await Promise.all([...this.farms.keys()].map((name) => this.stopFarm(name)));
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== '0');
    this.redis.disconnect();
    await this.db.end();
    const admin = new URL(this.databaseUrl);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${BENCH_DATABASE}" WITH (FORCE)`);
    await client.end();
    for (const store of this.stores) await store.stop();
  }
}

async function post(url: string, body: unknown): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 400) throw new Error(`${url} answered ${response.status}`);
  return response;
}
