// Decision 0003: what one access-log line costs, and which pino destination writes it.
//
// 1. Lines alone. One child process per variant writes access lines, 1 or 16 per event-loop turn
//    (one request at a time, or 16 concurrent ones), to a stdout piped into this process, which
//    drains it (the farm runner's or the container runtime's place). The child's CPU
//    (process.cpuUsage, user + system, all threads) per line, and over the same loop writing
//    nothing.
// 2. Whole requests. Two farms (libs/farm, from dist/: run `npm run build` first), one replica,
//    jwt HS256, one with LOG_LEVEL=info and one with LOG_LEVEL=warn; autocannon, in a child
//    process of its own so that reading the farm's logs here does not slow the load down, sends
//    GET /api/me with a bearer token through each gateway, interleaved over rounds, and the
//    gateway's and the replica's CPU per request come from /proc/<pid>/stat.
//
//   npm run build && node bench/decisions/access-log.js [--lines 200000] [--rounds 3]
//       [--seconds 5] [--connections 16] [--skip-farm]
//
// Writes bench/decisions/results/access-log-<timestamp>.json and prints Markdown tables.
import { execFileSync, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuTicks, fmt, relative, stats, versions, writeResult } from './harness.js';

const DIST = new URL('../../dist/', import.meta.url);
const VARIANTS = [
  'nothing (loop only)',
  'LOG_LEVEL=warn (access log off)',
  'authfarm: async, redact',
  'async, no redact',
  'sync (pino default)',
  'async, minLength 4096',
  'transport (worker thread)',
];
// Lines per event-loop turn: one request at a time, and a loaded replica's batch.
const BATCHES = [1, 16];
const WARMUP_LINES = 5000;

if (process.argv[2] === 'lines') {
  await writeLines(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else if (process.argv[2] === 'load') {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon(JSON.parse(process.argv[3]));
  process.send(result, () => process.exit(0));
} else {
  await main();
}

// ---------------------------------------------------------------- child: write N lines

async function writeLines(variant, count, batch) {
  const { default: pino } = await import('pino');
  const { AppConfig } = await import(new URL('libs/config/src/index.js', DIST));
  const platform = await import(new URL('libs/platform/src/index.js', DIST));
  const config = (level) => new AppConfig('resource', { LOG_LEVEL: level });
  const logger = {
    'nothing (loop only)': () => undefined,
    'LOG_LEVEL=warn (access log off)': () => platform.createLogger(config('warn')),
    'authfarm: async, redact': () => platform.createLogger(config('info')),
    'async, no redact': () =>
      pino(
        {
          base: { service: 'resource', pid: process.pid, replica: 'resource-1' },
          formatters: { level: (label) => ({ level: label }) },
        },
        pino.destination({ dest: 1, sync: false }),
      ),
    'sync (pino default)': () =>
      platform.createLogger(config('info'), pino.destination({ dest: 1, sync: true })),
    'async, minLength 4096': () =>
      platform.createLogger(
        config('info'),
        pino.destination({ dest: 1, sync: false, minLength: 4096 }),
      ),
    'transport (worker thread)': () =>
      platform.createLogger(
        config('info'),
        pino.transport({ target: 'pino/file', options: { destination: 1 } }),
      ),
  }[variant]();
  const access = logger ? new platform.AccessLog(logger) : { enabled: false };
  // What bootstrap.ts's onResponse hook does per request, from the request's fields.
  const ids = Array.from({ length: 64 }, () => randomUUID());
  const request = (i) => ({
    id: ids[i & 63],
    method: 'GET',
    url: i & 1 ? '/api/me' : '/api/me?x=1',
    routeOptions: { url: '/api/me' },
  });
  const one = (i) => {
    const req = request(i);
    if (!access.enabled) return;
    access.write({
      reqId: req.id,
      method: req.method,
      url: platform.pathOf(req.url),
      route: req.routeOptions.url,
      status: 200,
      ms: platform.roundMs(1.234567 + (i & 7)),
    });
  };
  for (let i = 0; i < WARMUP_LINES; i++) one(i); // not measured
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = process.cpuUsage();
  const started = performance.now();
  let written = 0;
  await new Promise((resolve) => {
    const turn = () => {
      for (let i = 0; i < batch; i++) one(written++);
      if (written < count) setImmediate(turn);
      else resolve();
    };
    turn();
  });
  logger?.flush?.();
  const cpu = process.cpuUsage(before);
  const wallMs = performance.now() - started;
  process.send({ cpuUs: cpu.user + cpu.system, wallMs, lines: written }, () => {
    // A transport's worker must finish writing before this process exits.
    if (logger?.flush) logger.flush(() => process.exit(0));
    else process.exit(0);
  });
}

// ---------------------------------------------------------------- parent

async function main() {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '16' },
      'skip-farm': { type: 'boolean', default: false },
    },
  });
  const config = {
    lines: Number(values.lines),
    batches: BATCHES,
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
  };
  const started = new Date();
  const loadBefore = loadavg();

  const lineRuns = [];
  for (let round = 0; round < config.rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const batch of BATCHES) {
      for (const variant of order) {
        const run = { round, batch, variant, ...(await runLines(variant, config.lines, batch)) };
        lineRuns.push(run);
        console.error(
          `round ${round + 1} batch ${String(batch).padStart(2)} ${variant.padEnd(32)} ` +
            `${fmt(run.cpuUs / run.lines, 3)} µs CPU/line, ${fmt(run.bytes / (run.lines + WARMUP_LINES), 0)} B/line`,
        );
      }
    }
  }
  const lines = summariseLines(lineRuns);

  const farmRuns = values['skip-farm'] ? [] : await runFarms(config);
  const farms = summariseFarms(farmRuns);

  const record = {
    name: 'access-log',
    command: `node ${process.argv.slice(1).map(relative).join(' ')}`,
    date: started.toISOString(),
    elapsedS: (Date.now() - started.getTime()) / 1000,
    node: process.version,
    nproc: availableParallelism(),
    loadavg: { before: loadBefore, after: loadavg() },
    versions: versions(['pino', 'sonic-boom', '@nestjs/core', 'fastify', 'autocannon']),
    config,
    lines,
    farms,
    lineRuns,
    farmRuns,
  };
  const file = writeResult('access-log', record);
  console.log(linesTable(lines));
  if (farms.length > 0) console.log(`\n${farmsTable(farms)}`);
  console.log(`\nraw: ${relative(file)}`);
}

async function runLines(variant, count, batch) {
  const args = ['lines', variant, String(count), String(batch)];
  const child = fork(fileURLToPath(import.meta.url), args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let bytes = 0;
  child.stdout.on('data', (chunk) => (bytes += chunk.length));
  const [result] = await Promise.all([
    new Promise((resolve) => child.once('message', resolve)),
    new Promise((resolve) => child.once('exit', resolve)),
  ]);
  return { ...result, bytes };
}

function summariseLines(runs) {
  return BATCHES.flatMap((batch) => {
    const ofBatch = runs.filter((r) => r.batch === batch);
    const perLine = (variant) =>
      stats(ofBatch.filter((r) => r.variant === variant).map((r) => r.cpuUs / r.lines));
    const loop = perLine(VARIANTS[0]);
    return VARIANTS.map((variant) => {
      const first = ofBatch.find((r) => r.variant === variant);
      return {
        batch,
        variant,
        cpuUsPerLine: perLine(variant),
        overLoopUs: perLine(variant).median - loop.median,
        bytesPerLine: first.bytes / (first.lines + WARMUP_LINES),
      };
    });
  });
}

async function runFarms(config) {
  const { startFarm } = await import(new URL('libs/farm/src/index.js', DIST));
  const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `authfarm-bench-log:${randomBytes(3).toString('hex')}:`;
  // A scratch database and key prefix of its own, removed at the end (as `npm run bench` does).
  const database = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/');
  database.pathname = '/authfarm_bench_access_log';
  const env = (level) => ({
    PATH: process.env.PATH ?? '',
    REDIS_URL: redisUrl,
    DATABASE_URL: database.toString(),
    REDIS_KEY_PREFIX: prefix,
    GATEWAY_PORT: '0',
    LOG_LEVEL: level,
    REPLICAS: '1',
    AUTH_MODES: 'jwt',
    JWT_ALG: 'HS256',
    JWT_SECRET: randomBytes(32).toString('base64url'),
  });
  const levels = ['info', 'warn'];
  const farms = new Map();
  const runs = [];
  try {
    for (const level of levels) {
      let logBytes = 0;
      const farm = await startFarm({ env: env(level), log: (line) => (logBytes += line.length) });
      farms.set(level, { farm, token: await login(farm.gatewayUrl), bytes: () => logBytes });
    }
    for (let round = 0; round < config.rounds; round++) {
      for (const level of round % 2 ? [...levels].reverse() : levels) {
        const { farm, token, bytes } = farms.get(level);
        const opts = {
          url: `${farm.gatewayUrl}/api/me`,
          headers: { authorization: `Bearer ${token}` },
          connections: config.connections,
        };
        await autocannon({ ...opts, duration: config.warmupSeconds });
        const pids = { gateway: farm.gateway.child.pid, replica: farm.replicas[0].child.pid };
        const before = { gateway: cpuTicks(pids.gateway), replica: cpuTicks(pids.replica) };
        const bytesBefore = bytes();
        const result = await autocannon({ ...opts, duration: config.seconds });
        const requests = result.requests.total;
        const perRequest = (name) =>
          ((cpuTicks(pids[name]) - before[name]) * 1e6) / clkTck / requests;
        const run = {
          round,
          level,
          requests,
          rps: requests / result.duration,
          gatewayUsPerReq: perRequest('gateway'),
          replicaUsPerReq: perRequest('replica'),
          logBytesPerReq: (bytes() - bytesBefore) / requests,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
        };
        runs.push(run);
        console.error(
          `round ${round + 1} LOG_LEVEL=${level.padEnd(4)} ${fmt(run.rps, 0)} req/s, µs CPU/req ` +
            `gateway ${fmt(run.gatewayUsPerReq, 1)} replica ${fmt(run.replicaUsPerReq, 1)}`,
        );
      }
    }
  } finally {
    for (const { farm } of farms.values()) await farm.stop();
    await cleanUp(redisUrl, prefix, database);
  }
  return runs;
}

async function cleanUp(redisUrl, prefix, database) {
  const { Redis } = await import('ioredis');
  const { default: pg } = await import('pg');
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  const admin = new URL(database);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${database.pathname.slice(1)} WITH (FORCE)`);
  await client.end();
}

async function autocannon(options) {
  const child = fork(fileURLToPath(import.meta.url), ['load', JSON.stringify(options)]);
  return new Promise((resolve) => child.once('message', resolve));
}

async function login(gateway) {
  const post = (path, body) =>
    fetch(`${gateway}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const username = `bench-log-${randomUUID().slice(0, 8)}`;
  await post('/auth/register', { username, password: 'bench password 1' });
  const reply = await post('/auth/login', { username, password: 'bench password 1', mode: 'jwt' });
  return (await reply.json()).access_token;
}

function summariseFarms(runs) {
  return ['info', 'warn']
    .map((level) => runs.filter((r) => r.level === level))
    .filter((mine) => mine.length > 0)
    .map((mine) => ({
      level: mine[0].level,
      rps: stats(mine.map((r) => r.rps)),
      gatewayUsPerReq: stats(mine.map((r) => r.gatewayUsPerReq)),
      replicaUsPerReq: stats(mine.map((r) => r.replicaUsPerReq)),
      logBytesPerReq: stats(mine.map((r) => r.logBytesPerReq)),
      failures: mine.reduce((n, r) => n + r.non2xx + r.errors, 0),
    }));
}

/** utime + stime of a process, in clock ticks (proc(5): fields 14 and 15 of /proc/<pid>/stat). */

function linesTable(rows) {
  const out = [
    '| lines per turn | variant | µs CPU/line median (min–max) | over the bare loop | bytes/line |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const c = r.cpuUsPerLine;
    out.push(
      `| ${r.batch} | ${r.variant} | ${fmt(c.median, 3)} (${fmt(c.min, 3)}–${fmt(c.max, 3)}) ` +
        `| ${fmt(r.overLoopUs, 3)} | ${fmt(r.bytesPerLine, 0)} |`,
    );
  }
  return out.join('\n');
}

function farmsTable(rows) {
  const out = [
    '| LOG_LEVEL | req/s median | gateway µs CPU/req median (min–max) | replica µs CPU/req median (min–max) | log bytes/req | failures |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const range = (s) => `${fmt(s.median, 1)} (${fmt(s.min, 1)}–${fmt(s.max, 1)})`;
  for (const r of rows) {
    out.push(
      `| ${r.level} | ${fmt(r.rps.median, 0)} | ${range(r.gatewayUsPerReq)} ` +
        `| ${range(r.replicaUsPerReq)} | ${fmt(r.logBytesPerReq.median, 0)} | ${r.failures} |`,
    );
  }
  return out.join('\n');
}
