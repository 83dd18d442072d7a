// Replica hot path (docs/benchmark.md, "Where the replica's time went"): CPU per request of one
// resource replica hit directly, without the gateway, for each kind of credential against the
// no-auth route, interleaved and repeated. The difference from the no-auth route is the
// replica's cost of authenticating a request. A whole farm (auth, one replica, gateway) runs
// from dist/ (run `npm run build` first) on the local Redis and Postgres, in a scratch database
// and key prefix it removes at the end. CPU is the replica's on-CPU time from its threads'
// /proc schedstat (ns), divided by the requests completed; autocannon runs in this process. The
// store's CPU per request is read the same way: the Redis server process, or the Postgres
// backends serving the farm's database.
//
//   node bench/decisions/replica-direct.js [--rounds 5] [--seconds 4] [--warmup 2] [--connections 16]
//     [--store redis|postgres] [--check store|introspection] [--alg HS256|EdDSA|ES256|RS256] [--cache 0|10000]
//     [--rate N (a fixed overall rate instead of a closed loop)] [--only ping,jwt,...]
//     [--node-options=--perf-basic-prof (NODE_OPTIONS of the farm's services)]
//
// Writes bench/decisions/results/replica-direct-<timestamp>.json and prints a Markdown table.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { writeResult } from './harness.js';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { ensurePostgres, ensureRedis, startFarm } = await import(
  new URL('../../dist/libs/farm/src/index.js', import.meta.url).href
);
// The benchmark's own CPU reader: per-thread schedstat (ns), precise over a few thousand requests.
const { cpuMicros } = await import(
  new URL('../../dist/apps/bench/src/measure/process-cpu.js', import.meta.url).href
);

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    store: { type: 'string', default: 'redis' },
    check: { type: 'string', default: 'store' },
    alg: { type: 'string', default: 'HS256' },
    cache: { type: 'string', default: '0' },
    rate: { type: 'string' },
    'node-options': { type: 'string' },
    only: { type: 'string' },
  },
});
const PASSWORD = 'replica direct 1';
const database = `authfarm_direct_${randomBytes(4).toString('hex')}`;
const prefix = `authfarm-direct:${randomBytes(3).toString('hex')}:`;

const redis = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/authfarm');
base.pathname = `/${database}`;
const postgres = await ensurePostgres(base.toString());
const farm = await startFarm({
  env: {
    PATH: process.env.PATH ?? '',
    REDIS_URL: redis.url,
    DATABASE_URL: postgres.url,
    REDIS_KEY_PREFIX: prefix,
    GATEWAY_PORT: '0',
    LOG_LEVEL: 'error',
    REPLICAS: '1',
    JWT_ALG: args.alg,
    JWT_TTL: '300',
    JWT_VERIFIED_CACHE: args.cache,
    SESSION_STORE: args.store,
    SESSION_CHECK: args.check,
    ...(args['node-options'] ? { NODE_OPTIONS: args['node-options'] } : {}),
  },
  log: () => undefined,
});

async function post(path, body) {
  return fetch(`${farm.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function login(mode) {
  const username = `direct-${randomBytes(5).toString('hex')}`;
  await post('/auth/register', { username, password: PASSWORD });
  const response = await post('/auth/login', { username, password: PASSWORD, mode });
  if (mode === 'session') return { cookie: response.headers.getSetCookie()[0].split(';')[0] };
  return { authorization: `Bearer ${(await response.json()).access_token}` };
}

const cases = [
  ['no-auth', '/api/me/ping', {}],
  ['session', '/api/me', await login('session')],
  ['jwt', '/api/me', await login('jwt')],
  ['hybrid', '/api/me', await login('hybrid')],
].filter(([name]) => !args.only || args.only.split(',').includes(name));

const replica = farm.replicas[0];
// For a profiler attached from outside (bench/decisions/replica-perf.js).
console.log(`replica pid ${replica.child.pid}`);

const statsClient = new pg.Client({ connectionString: postgres.url });
await statsClient.connect();
const { Redis } = require('ioredis');
const redisClient = new Redis(redis.url);
const redisPid = Number((await redisClient.info('server')).match(/process_id:(\d+)/)[1]);
// Postgres backends come and go with the pools: read their pids at each reading.
async function storeCpu() {
  if (args.store === 'redis') return cpuMicros(redisPid);
  const { rows } = await statsClient.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows.reduce((sum, { pid }) => sum + cpuMicros(pid), 0);
}

const samples = Object.fromEntries(cases.map(([name]) => [name, []]));
const started = new Date();
try {
  // Unrecorded load on every case first: the replica's first seconds run code not yet compiled.
  for (const [, path, headers] of cases) {
    await autocannon({
      url: `${replica.url}${path}`,
      headers,
      connections: Number(args.connections),
      duration: Number(args.warmup),
    });
  }
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const [name, path, headers] of cases) {
      const before = cpuMicros(replica.child.pid);
      const authBefore = cpuMicros(farm.auth.child.pid);
      const storeBefore = await storeCpu();
      const result = await autocannon({
        url: `${replica.url}${path}`,
        headers,
        connections: Number(args.connections),
        duration: Number(args.seconds),
        ...(args.rate ? { overallRate: Number(args.rate) } : {}),
      });
      const requests = result.requests.total;
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: requests failed`);
      samples[name].push({
        rps: requests / result.duration,
        cpuPerRequest: (cpuMicros(replica.child.pid) - before) / requests,
        storeCpuPerRequest: ((await storeCpu()) - storeBefore) / requests,
        authCpuPerRequest: (cpuMicros(farm.auth.child.pid) - authBefore) / requests,
      });
    }
  }
} finally {
  await statsClient.end();
  await farm.stop();
  const admin = new pg.Client({ connectionString: postgres.url.replace(database, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  // The farm's keys (the per-user session sets would otherwise outlive the run by their TTL).
  for await (const keys of redisClient.scanStream({ match: `${prefix}*`, count: 1000 })) {
    if (keys.length > 0) await redisClient.del(...keys);
  }
  redisClient.disconnect();
  await redis.stop?.();
  await postgres.stop?.();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = Object.entries(samples).map(([name, rounds]) => ({
  name,
  rps: median(rounds.map((r) => r.rps)),
  cpuPerRequest: median(rounds.map((r) => r.cpuPerRequest)),
  storeCpuPerRequest: median(rounds.map((r) => r.storeCpuPerRequest)),
  authCpuPerRequest: median(rounds.map((r) => r.authCpuPerRequest)),
  range: [
    Math.min(...rounds.map((r) => r.cpuPerRequest)),
    Math.max(...rounds.map((r) => r.cpuPerRequest)),
  ],
}));
// Over no-auth: the difference within each round, then the median over rounds, so a round the
// whole machine ran slow in moves both sides of its difference.
const noAuth = samples['no-auth'] ?? [];
for (const s of summary) {
  const diffs = samples[s.name].map((r, i) => r.cpuPerRequest - (noAuth[i]?.cpuPerRequest ?? NaN));
  s.overNoAuth = noAuth.length > 0 && s.name !== 'no-auth' ? median(diffs) : undefined;
}
console.log(`\n${JSON.stringify(args)}; load average ${loadavg().map((l) => l.toFixed(2))}\n`);
console.log(
  `| credential | req/s | replica µs/req, median (range) | over no-auth, paired by round | ${args.store} µs/req | auth µs/req |`,
);
console.log('|---|---|---|---|---|---|');
for (const s of summary) {
  const [min, max] = s.range.map((v) => v.toFixed(1));
  const over = s.overNoAuth === undefined ? '' : `${s.overNoAuth.toFixed(1)} µs`;
  console.log(
    `| ${s.name} | ${Math.round(s.rps)} | ${s.cpuPerRequest.toFixed(1)} (${min}–${max}) | ${over} | ${s.storeCpuPerRequest.toFixed(1)} | ${s.authCpuPerRequest.toFixed(1)} |`,
  );
}
const file = writeResult('replica-direct', {
  date: started.toISOString(),
  args,
  loadavg: loadavg(),
  samples,
  summary,
});
console.log(`\nraw: ${file}`);
