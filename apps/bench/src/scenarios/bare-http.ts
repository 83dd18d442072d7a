import { spawn } from 'node:child_process';
import type { BenchContext } from '../bench-context.js';
import { closedLoop } from '../measure/load.js';
import { cpuMicros } from '../measure/process-cpu.js';

// The floor of the gateway target: a bare node:http server answering a small JSON body.
const SERVER = `
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

/** CPU µs per request and throughput of a bare node:http server, in the same run. */
export async function bareHttp(ctx: BenchContext): Promise<{ cpuPerRequest: number; rps: number }> {
  const child = spawn(process.execPath, ['-e', SERVER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve) =>
      child.once('message', (m: { port: number }) => resolve(m.port)),
    );
    const samples: Array<{ cpu: number; rps: number }> = [];
    for (let round = 0; round < ctx.profile.rounds; round++) {
      const before = cpuMicros(child.pid ?? 0);
      const result = await closedLoop({
        url: `http://127.0.0.1:${port}/`,
        connections: ctx.profile.connections,
        durationS: ctx.profile.closedS,
      });
      samples.push({
        cpu: (cpuMicros(child.pid ?? 0) - before) / Math.max(1, result.requests),
        rps: result.rps,
      });
    }
    samples.sort((a, b) => a.cpu - b.cpu);
    return {
      cpuPerRequest: samples[Math.floor(samples.length / 2)].cpu,
      rps: samples[Math.floor(samples.length / 2)].rps,
    };
  } finally {
    child.kill();
  }
}
