// Decision 0005, "the wake-up tax": what a request's own computing time costs a server at a fixed
// request rate, beyond that time itself. A bare node:http server busy-waits `spin` µs in each
// request and answers a small JSON body; autocannon drives it at a fixed overall rate from this
// process. If CPU per request were only the work done, the server's CPU per request minus the
// spin would stay flat as the spin grows. On a machine whose idle CPUs halt (a virtual machine's
// vCPU exits to the hypervisor on HLT, and waking it takes an interrupt), a longer request lets
// the load generator's CPU go idle before the answer, and both sides then pay for the halt and
// the wake-up. Machine-wide idle entries per request come from
// /sys/devices/system/cpu/cpu*/cpuidle/state*/usage (absent on machines without cpuidle).
//
// One server per spin runs for the whole run; rounds take turns in alternating order
// (A B C … C B A …). CPU is the server's on-CPU time from its threads' /proc schedstat (ns), the
// benchmark's own reader (run `npm run build` first), divided by the requests completed.
//
//   node bench/decisions/wake-tax.js [--rounds 5] [--seconds 4] [--warmup 2] [--connections 16]
//     [--rate 1000] [--spins 0,10,25,50,100,200]
//
// Writes bench/decisions/results/wake-tax-<timestamp>.json and prints a Markdown table.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, stats, writeResult } from './harness.js';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { cpuMicros } = await import(
  new URL('../../dist/apps/bench/src/measure/process-cpu.js', import.meta.url).href
);

// The child: a bare node:http server spinning `spin` µs per request, reporting its port by IPC.
if (process.argv[2] === 'serve') {
  const spinNs = BigInt(Math.round(Number(process.argv[3]) * 1000));
  const body = JSON.stringify({ ok: true });
  const server = createServer((_request, response) => {
    const until = process.hrtime.bigint() + spinNs;
    while (process.hrtime.bigint() < until);
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  await main();
}

/** Times any CPU of this machine entered an idle state (halt or poll), or undefined. */
function idleEntries() {
  const root = '/sys/devices/system/cpu';
  try {
    let entries = 0;
    for (const cpu of readdirSync(root).filter((name) => /^cpu\d+$/.test(name))) {
      const dir = `${root}/${cpu}/cpuidle`;
      for (const state of readdirSync(dir).filter((name) => name.startsWith('state'))) {
        entries += Number(readFileSync(`${dir}/${state}/usage`, 'utf8'));
      }
    }
    return entries;
  } catch {
    return undefined;
  }
}

async function main() {
  const { values: args } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '16' },
      rate: { type: 'string', default: '1000' },
      spins: { type: 'string', default: '0,10,25,50,100,200' },
    },
  });
  const spins = args.spins.split(',').map(Number);
  const run = (url, duration) =>
    autocannon({
      url,
      connections: Number(args.connections),
      duration,
      overallRate: Number(args.rate),
    });

  const servers = [];
  try {
    for (const spin of spins) {
      const child = fork(fileURLToPath(import.meta.url), ['serve', String(spin)], {
        stdio: 'ignore',
      });
      const port = await new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', () => reject(new Error(`the server spinning ${spin} µs exited`)));
      });
      servers.push({ spin, child, url: `http://127.0.0.1:${port}/`, samples: [] });
    }
    for (const server of servers) await run(server.url, Number(args.warmup));

    const started = new Date();
    for (let round = 0; round < Number(args.rounds); round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const cpuBefore = cpuMicros(server.child.pid);
        const ownBefore = process.cpuUsage();
        const idleBefore = idleEntries();
        const result = await run(server.url, Number(args.seconds));
        const requests = result.requests.total;
        if (result.non2xx > 0 || result.errors > 0) throw new Error('requests failed');
        const own = process.cpuUsage(ownBefore);
        const idleAfter = idleEntries();
        server.samples.push({
          rps: requests / result.duration,
          cpuPerRequest: (cpuMicros(server.child.pid) - cpuBefore) / requests,
          loadGeneratorCpuPerRequest: (own.user + own.system) / requests,
          idleEntriesPerRequest:
            idleBefore === undefined ? undefined : (idleAfter - idleBefore) / requests,
        });
      }
    }

    const summary = servers.map(({ spin, samples }) => {
      const of = (key) =>
        samples[0][key] === undefined ? undefined : stats(samples.map((s) => s[key]));
      return {
        spin,
        rps: of('rps').median,
        cpuPerRequest: of('cpuPerRequest'),
        beyondSpin: stats(samples.map((s) => s.cpuPerRequest - spin)),
        loadGeneratorCpuPerRequest: of('loadGeneratorCpuPerRequest'),
        idleEntriesPerRequest: of('idleEntriesPerRequest'),
      };
    });
    console.log(`\n${JSON.stringify(args)}; load average ${loadavg().map((l) => l.toFixed(2))}\n`);
    console.log(
      '| spin µs | req/s | server µs/req, median (range) | server µs/req beyond the spin | load generator µs/req | idle entries/req (machine) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const s of summary) {
      const { median, min, max } = s.cpuPerRequest;
      const idle = s.idleEntriesPerRequest ? fmt(s.idleEntriesPerRequest.median, 2) : 'n/a';
      console.log(
        `| ${s.spin} | ${Math.round(s.rps)} | ${fmt(median, 1)} (${fmt(min, 1)}–${fmt(max, 1)}) | ${fmt(s.beyondSpin.median, 1)} | ${fmt(s.loadGeneratorCpuPerRequest.median, 1)} | ${idle} |`,
      );
    }
    const file = writeResult('wake-tax', {
      date: started.toISOString(),
      args,
      loadavg: loadavg(),
      samples: Object.fromEntries(servers.map((s) => [s.spin, s.samples])),
      summary,
    });
    console.log(`\nraw: ${file}`);
  } finally {
    for (const { child } of servers) child.kill();
  }
}
