// Decision 0004: CPU per proxied request of the gateway against the benchmark's floor, a bare
// node:http server answering a small JSON body, in the same run. Side by side and interleaved:
//   node:http       the floor: the load hits the upstream directly
//   gateway before  the gateway built from git revision --before (node:http server + node:http
//                   client with keep-alive agents)
//   undici proxy    a plain node:http server forwarding with undici's Agent.dispatch
//   gateway after   this checkout's gateway (dist/, run `npm run build` first)
//   raw relay       the floor of any proxy here: node:http server, one raw keep-alive socket per
//                   in-flight request, no parsing, no headers, a fixed answer once the upstream
//                   answered (assumes one read per response: a measuring stick, not a proxy)
// Each proxy forwards to the same bare upstream. Upstream, every proxy and the gateways run in
// their own processes; autocannon drives them from this one. CPU is the utime + stime delta of
// /proc/<pid>/stat of the process under load, divided by the requests completed. Nothing is
// pinned. Takes about 5 × rounds × (seconds + warmup) s, plus a build of --before on first use.
//
//   node bench/decisions/gateway-proxy.js [--rounds 3] [--seconds 5] [--warmup 1.5]
//     [--connections 16] [--before e013c73] [--after dist/apps/gateway/src/main.js]
//     [--also label=path/to/gateway/main.js ...]
//
// --also adds a variant: any gateway build (e.g. an experiment) that reads the gateway's
// environment and reports its port over IPC like dist/apps/gateway/src/main.js.
//
// Writes bench/decisions/results/gateway-proxy-<timestamp>.json and prints a Markdown table.
import { execFileSync, execSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuTicks, fmt, relative, stats, writeResult } from './harness.js';

const HOST = '127.0.0.1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// What an authenticated GET /api/me answers, minus the auth: a small JSON object.
const BODY = { sub: '6f1c2b1e-4a53-4c1e-9a57-0d0f2c6b9e11', username: 'alice', mode: 'jwt' };
const PATH = '/api/me';
const FIXED_VARIANTS = [
  'node:http',
  'gateway before',
  'undici proxy',
  'gateway after',
  'raw relay',
];
// The commit before the gateway rewrite of decision 0004.
const DEFAULT_BEFORE = 'e013c73';

if (process.argv[2] === 'serve') {
  await serve(process.argv[3], process.argv[4]);
} else {
  await main();
}

// ---------------------------------------------------------------- children

async function serve(name, upstreamPort) {
  const server =
    name === 'upstream'
      ? bareServer()
      : name === 'relay'
        ? rawRelay(Number(upstreamPort))
        : await undiciProxy(Number(upstreamPort));
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  process.send({ type: 'listening', port: server.address().port, undici: server.undiciVersion });
  process.once('disconnect', () => process.exit(0));
}

// The floor, and the upstream of every proxy. It declares Content-Length, as the replicas
// (Fastify) do for JSON: a little cheaper than the benchmark's floor (apps/bench bare-http.ts,
// chunked), so the ratios here are if anything stricter.
function bareServer() {
  const payload = JSON.stringify(BODY);
  const length = String(Buffer.byteLength(payload));
  return createServer((req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': length,
    });
    res.end(payload);
  });
}

function rawRelay(port) {
  const payload = JSON.stringify(BODY);
  const idle = [];
  const dial = () => {
    const socket = connect({ host: HOST, port, noDelay: true });
    socket.on('data', () => {
      const res = socket.relayTo;
      socket.relayTo = undefined;
      idle.push(socket);
      res.writeHead(200, ['content-type', 'application/json; charset=utf-8']);
      res.end(payload);
    });
    return socket;
  };
  return createServer((req, res) => {
    const socket = idle.pop() ?? dial();
    socket.relayTo = res;
    socket.write(`GET ${req.url} HTTP/1.1\r\nhost: ${req.headers.host}\r\n\r\n`, 'latin1');
  });
}

// A plain reverse proxy on undici, as its README would write one: hop-by-hop headers dropped,
// the body streamed both ways, 502 on error. No header policy, no retries, no metrics.
async function undiciProxy(port) {
  const { Agent, version } = await loadUndici();
  const agent = new Agent({ connections: 128, pipelining: 1 });
  const origin = `http://${HOST}:${port}`;
  const hop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);
  const server = createServer((req, res) => {
    const headers = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (!hop.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
    }
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    agent.dispatch(
      { origin, path: req.url, method: req.method, headers, body: bodyless ? null : req },
      {
        onConnect() {},
        onHeaders(status, rawHeaders, resume) {
          const out = [];
          for (let i = 0; i < rawHeaders.length; i += 2) {
            const name = rawHeaders[i].toString('latin1');
            if (!hop.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1].toString('latin1'));
          }
          res.writeHead(status, out);
          res.on('drain', resume);
          return true;
        },
        onData(chunk) {
          return res.write(chunk);
        },
        onComplete() {
          res.end();
        },
        onError() {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        },
      },
    );
  });
  server.undiciVersion = version;
  return server;
}

// The `undici` package when it is installed; otherwise the undici that Node ships for fetch(),
// whose Agent (a Pool per origin) is reachable through the global dispatcher once fetch ran.
async function loadUndici() {
  try {
    const undici = await import('undici');
    const { version } = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/undici/package.json'), 'utf8'),
    );
    return { Agent: undici.Agent, version: `${version} (package)` };
  } catch {
    await fetch('http://127.0.0.1:1').catch(() => undefined);
    const dispatcher = globalThis[Symbol.for('undici.globalDispatcher.1')];
    return { Agent: dispatcher.constructor, version: `${process.versions.undici} (bundled)` };
  }
}

// ---------------------------------------------------------------- parent: drive and measure

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1.5' },
      connections: { type: 'string', default: '16' },
      before: { type: 'string', default: DEFAULT_BEFORE },
      after: { type: 'string', default: 'dist/apps/gateway/src/main.js' },
      also: { type: 'string', multiple: true, default: [] },
    },
  });
  const extra = values.also.map((spec) => {
    const at = spec.indexOf('=');
    if (at < 1) throw new Error(`--also wants label=path, got ${spec}`);
    return { label: spec.slice(0, at), main: join(ROOT, spec.slice(at + 1)) };
  });
  const variants = [...FIXED_VARIANTS, ...extra.map((e) => e.label)];
  const config = {
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
    path: PATH,
    before: git(['rev-parse', '--short', values.before]),
    after: values.after,
    also: values.also,
  };
  const afterMain = join(ROOT, values.after);
  if (!existsSync(afterMain)) throw new Error(`${values.after} is missing: run npm run build`);
  const beforeMain = buildAt(config.before);

  const { default: autocannon } = await import('autocannon');
  const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const loadBefore = loadavg();
  const started = new Date();

  const upstream = await start('upstream', [fileURLToPath(import.meta.url), 'serve', 'upstream']);
  const upstreamUrl = `http://${HOST}:${upstream.port}`;
  const gatewayEnv = {
    PATH: process.env.PATH,
    HOST,
    GATEWAY_PORT: '0',
    LOG_LEVEL: 'warn',
    AUTH_URL: upstreamUrl,
    RESOURCE_UPSTREAMS: upstreamUrl,
  };
  const targets = new Map([['node:http', upstream]]);
  const children = [upstream];
  try {
    const launch = async (name, args, env) => {
      const child = await start(name, args, env);
      children.push(child);
      targets.set(name, child);
    };
    await launch('gateway before', [beforeMain], gatewayEnv);
    await launch('undici proxy', [
      fileURLToPath(import.meta.url),
      'serve',
      'undici-proxy',
      upstream.port,
    ]);
    await launch('gateway after', [afterMain], gatewayEnv);
    await launch('raw relay', [fileURLToPath(import.meta.url), 'serve', 'relay', upstream.port]);
    for (const { label, main } of extra) await launch(label, [main], gatewayEnv);
    config.undici = targets.get('undici proxy').undici;

    const runs = [];
    for (let round = 0; round < config.rounds; round++) {
      // Rotate the order each round so no variant always runs first or right after another.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        const target = targets.get(variant);
        const url = `http://${HOST}:${target.port}${PATH}`;
        await load(autocannon, url, config.connections, config.warmupSeconds);
        const proxyBefore = cpuTicks(target.child.pid);
        const upstreamBefore = cpuTicks(upstream.child.pid);
        const clientBefore = process.cpuUsage();
        const result = await load(autocannon, url, config.connections, config.seconds);
        const client = process.cpuUsage(clientBefore);
        const proxyTicks = cpuTicks(target.child.pid) - proxyBefore;
        const upstreamTicks = cpuTicks(upstream.child.pid) - upstreamBefore;
        const requests = result.requests.total;
        const run = {
          round,
          variant,
          requests,
          durationS: result.duration,
          rps: requests / result.duration,
          cpuUsPerReq: (proxyTicks * 1e6) / clkTck / requests,
          cpuPct: (100 * proxyTicks) / clkTck / result.duration,
          upstreamCpuUsPerReq: (upstreamTicks * 1e6) / clkTck / requests,
          clientCpuPct: (client.user + client.system) / 1e4 / result.duration,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          loadavg1: loadavg()[0],
        };
        runs.push(run);
        console.error(
          `round ${round + 1} ${variant.padEnd(14)} ${fmt(run.rps, 0)} req/s ` +
            `${fmt(run.cpuUsPerReq, 1)} µs CPU/req (process ${fmt(run.cpuPct, 0)}% ` +
            `client ${fmt(run.clientCpuPct, 0)}%, load ${fmt(run.loadavg1, 1)})`,
        );
      }
    }
    const summary = summarise(runs, variants, config.rounds);
    const record = {
      name: 'gateway-proxy',
      command: `node ${process.argv.slice(1).map(relative).join(' ')}`,
      date: started.toISOString(),
      elapsedS: (Date.now() - started.getTime()) / 1000,
      node: process.version,
      nproc: availableParallelism(),
      // 1/5/15-min load averages: anything else running on the machine shows up here.
      loadavg: { before: loadBefore, after: loadavg() },
      clkTck,
      afterCommit: git(['rev-parse', '--short', 'HEAD']),
      afterDirty: git(['status', '--porcelain', 'apps/gateway']) !== '',
      versions: { autocannon: packageVersion('autocannon'), undici: config.undici },
      config,
      summary,
      runs,
    };
    const file = writeResult('gateway-proxy', record);
    console.log(table(summary));
    console.log(`\nraw: ${relative(file)}`);
  } finally {
    for (const { child } of children) if (child.connected) child.disconnect();
  }
}

async function start(name, [script, ...args], env) {
  const child = fork(script, args, { stdio: 'inherit', ...(env ? { env } : {}) });
  const message = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  return { child, port: message.port, undici: message.undici };
}

/**
 * The gateway as it was at `rev`: the sources from `git archive`, compiled like `npm run build`
 * into a directory of the system's temp folder that later runs reuse.
 */
function buildAt(rev) {
  const dir = join(tmpdir(), `authfarm-gateway-${rev}`);
  const main = join(dir, 'dist/apps/gateway/src/main.js');
  if (existsSync(main)) return main;
  console.error(`building the gateway at ${rev} in ${dir}`);
  mkdirSync(dir, { recursive: true });
  execSync(
    `git archive ${rev} apps libs package.json tsconfig.json tsconfig.build.json | tar -x -C ${dir}`,
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (!existsSync(join(dir, 'node_modules'))) {
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  }
  const bin = (name) => join(ROOT, 'node_modules/.bin', name);
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return main;
}

function load(autocannon, url, connections, seconds) {
  return autocannon({ url, connections, duration: seconds, pipelining: 1 });
}

/** utime + stime of a process, in clock ticks (proc(5): fields 14 and 15 of /proc/<pid>/stat). */

function summarise(runs, variants, rounds) {
  // The ratio to the floor per round (the two ran seconds apart, under the same other load),
  // then the median over rounds.
  const floorOf = (round) => runs.find((r) => r.round === round && r.variant === variants[0]);
  return variants.map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    const ratios = [];
    for (let round = 0; round < rounds; round++) {
      const run = mine.find((r) => r.round === round);
      ratios.push(run.cpuUsPerReq / floorOf(round).cpuUsPerReq);
    }
    return {
      variant,
      rps: stats(mine.map((r) => r.rps)),
      cpuUsPerReq: stats(mine.map((r) => r.cpuUsPerReq)),
      cpuVsFloor: stats(ratios),
      upstreamCpuUsPerReq: stats(mine.map((r) => r.upstreamCpuUsPerReq)),
      clientCpuPct: stats(mine.map((r) => r.clientCpuPct)),
      latencyP99Ms: stats(mine.map((r) => r.latencyP99Ms)),
      failures: mine.reduce((n, r) => n + r.non2xx + r.errors, 0),
    };
  });
}

function table(rows) {
  const lines = [
    '| variant | µs CPU/req median (min–max) | CPU ÷ node:http, per round: median (min–max) | req/s median | p99 ms | failures |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.variant} | ${fmt(r.cpuUsPerReq.median, 1)} (${fmt(r.cpuUsPerReq.min, 1)}–` +
        `${fmt(r.cpuUsPerReq.max, 1)}) | ${fmt(r.cpuVsFloor.median, 2)} ` +
        `(${fmt(r.cpuVsFloor.min, 2)}–${fmt(r.cpuVsFloor.max, 2)}) | ${fmt(r.rps.median, 0)} ` +
        `| ${r.latencyP99Ms.median} | ${r.failures} |`,
    );
  }
  return lines.join('\n');
}

function git(args) {
  return execFileSync('git', args, { cwd: ROOT }).toString().trim();
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, `node_modules/${name}/package.json`), 'utf8')).version;
}
