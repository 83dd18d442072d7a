// Decision 0001: NestJS on Express vs Fastify for the replicas' hot path, with bare node:http as
// the floor and the bare frameworks (no Nest) to tell framework cost from Nest's. The parent
// forks one child per server (this same file, `serve <name>`), drives each with autocannon on
// loopback, interleaved over rounds, and reads the child's CPU time from /proc/<pid>/stat around
// each measured window. Takes about 110 s.
//
//   node bench/decisions/http-platform.js [--rounds 3] [--seconds 5] [--warmup 1.5] [--connections 10]
//
// Writes bench/decisions/results/http-platform-<timestamp>.json and prints a Markdown table.
import { execFileSync, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuTicks, fmt, relative, stats, versions, writeResult } from './harness.js';

const HOST = '127.0.0.1';
const SERVERS = ['node:http', 'express', 'fastify', 'nest-express', 'nest-fastify'];
// What an authenticated GET /api/me answers, minus the auth: a small JSON object.
const BODY = { sub: '6f1c2b1e-4a53-4c1e-9a57-0d0f2c6b9e11', username: 'alice', mode: 'jwt' };

if (process.argv[2] === 'serve') {
  await serve(process.argv[3]);
} else {
  await main();
}

// ---------------------------------------------------------------- child: one server per process

async function serve(name) {
  const port =
    name === 'node:http'
      ? await serveBare()
      : name.startsWith('nest-')
        ? await serveNest(name)
        : await serveFramework(name);
  process.send({ type: 'listening', port });
  process.once('disconnect', () => process.exit(0));
}

async function serveBare() {
  const payload = JSON.stringify(BODY);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(payload);
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return server.address().port;
}

async function serveFramework(name) {
  if (name === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.get('/api/me', async () => BODY);
    await app.listen({ port: 0, host: HOST });
    return app.server.address().port;
  }
  // express is installed with @nestjs/platform-express, the version Nest runs on.
  const { default: express } = await import('express');
  const app = express();
  app.get('/api/me', (_req, res) => res.json(BODY));
  const server = app.listen(0, HOST);
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

async function serveNest(name) {
  await import('reflect-metadata');
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const adapter =
    name === 'nest-fastify'
      ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
      : new (await import('@nestjs/platform-express')).ExpressAdapter();

  class MeController {
    me() {
      return BODY;
    }
  }
  Controller('api')(MeController);
  const me = Object.getOwnPropertyDescriptor(MeController.prototype, 'me');
  Get('me')(MeController.prototype, 'me', me);
  class BenchModule {}
  Module({ controllers: [MeController] })(BenchModule);

  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  await app.listen(0, HOST);
  return app.getHttpServer().address().port;
}

// ---------------------------------------------------------------- parent: drive and measure

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1.5' },
      connections: { type: 'string', default: '10' },
    },
  });
  const config = {
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
    path: '/api/me',
  };
  const { default: autocannon } = await import('autocannon');
  const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const loadBefore = loadavg();
  const started = new Date();
  const children = new Map();
  for (const name of SERVERS) children.set(name, await start(name));

  const runs = [];
  try {
    for (let round = 0; round < config.rounds; round++) {
      // Rotate the order each round so no server always runs first or right after another.
      const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length]);
      for (const name of order) {
        const { child, url } = children.get(name);
        await load(autocannon, url, config.connections, config.warmupSeconds);
        const cpuBefore = cpuTicks(child.pid);
        const clientBefore = process.cpuUsage();
        const result = await load(autocannon, url, config.connections, config.seconds);
        const client = process.cpuUsage(clientBefore);
        const ticks = cpuTicks(child.pid) - cpuBefore;
        const requests = result.requests.total;
        const run = {
          round,
          server: name,
          requests,
          durationS: result.duration,
          rps: requests / result.duration,
          serverCpuUsPerReq: (ticks * 1e6) / clkTck / requests,
          serverCpuPct: (100 * ticks) / clkTck / result.duration,
          clientCpuPct: (client.user + client.system) / 1e4 / result.duration,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
        };
        runs.push(run);
        console.error(
          `round ${round + 1} ${name.padEnd(12)} ${fmt(run.rps, 0)} req/s ` +
            `${fmt(run.serverCpuUsPerReq, 1)} µs CPU/req (server ${fmt(run.serverCpuPct, 0)}% ` +
            `client ${fmt(run.clientCpuPct, 0)}%)`,
        );
      }
    }
  } finally {
    for (const { child } of children.values()) child.disconnect();
  }

  const summary = summarise(runs);
  const record = {
    name: 'http-platform',
    command: `node ${process.argv.slice(1).map(relative).join(' ')}`,
    date: started.toISOString(),
    elapsedS: (Date.now() - started.getTime()) / 1000,
    node: process.version,
    nproc: availableParallelism(),
    // 1/5/15-min load averages: anything else running on the machine shows up here.
    loadavg: { before: loadBefore, after: loadavg() },
    clkTck,
    versions: versions([
      '@nestjs/core',
      '@nestjs/platform-express',
      '@nestjs/platform-fastify',
      'express',
      'fastify',
      'autocannon',
    ]),
    config,
    summary,
    runs,
  };
  const file = writeResult('http-platform', record);
  console.log(table(summary));
  console.log(`\nraw: ${relative(file)}`);
}

async function start(name) {
  const child = fork(fileURLToPath(import.meta.url), ['serve', name], { stdio: 'inherit' });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  return { child, url: `http://${HOST}:${port}/api/me` };
}

function load(autocannon, url, connections, seconds) {
  return autocannon({ url, connections, duration: seconds, pipelining: 1 });
}

/** utime + stime of a process, in clock ticks (proc(5): fields 14 and 15 of /proc/<pid>/stat). */

function summarise(runs) {
  const floor = SERVERS[0];
  const rows = SERVERS.map((server) => {
    const mine = runs.filter((r) => r.server === server);
    return {
      server,
      rps: stats(mine.map((r) => r.rps)),
      cpuUsPerReq: stats(mine.map((r) => r.serverCpuUsPerReq)),
      clientCpuPct: stats(mine.map((r) => r.clientCpuPct)),
      latencyP99Ms: stats(mine.map((r) => r.latencyP99Ms)),
      failures: mine.reduce((n, r) => n + r.non2xx + r.errors, 0),
    };
  });
  const base = rows.find((r) => r.server === floor);
  for (const row of rows) {
    row.rpsVsFloor = row.rps.median / base.rps.median;
    row.cpuVsFloor = row.cpuUsPerReq.median / base.cpuUsPerReq.median;
  }
  return rows;
}

function table(rows) {
  const lines = [
    '| server | req/s median (min–max) | spread | µs CPU/req median (min–max) | req/s ÷ floor | CPU ÷ floor | client CPU | p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.server} | ${fmt(r.rps.median, 0)} (${fmt(r.rps.min, 0)}–${fmt(r.rps.max, 0)}) ` +
        `| ±${fmt(r.rps.spreadPct / 2, 0)}% | ${fmt(r.cpuUsPerReq.median, 1)} ` +
        `(${fmt(r.cpuUsPerReq.min, 1)}–${fmt(r.cpuUsPerReq.max, 1)}) | ${fmt(r.rpsVsFloor, 2)} ` +
        `| ${fmt(r.cpuVsFloor, 2)} | ${fmt(r.clientCpuPct.median, 0)}% | ${r.latencyP99Ms.median} |`,
    );
  }
  return lines.join('\n');
}
