import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService, type ServiceProcess } from '@authfarm/farm';
import type { BenchContext } from '../bench-context.js';
import { closedLoop, cpuUnderLoad, median } from '../measure/load.js';

const GATEWAY = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'gateway/src/main.js',
);

// The floor of the gateway target: a bare node:http server answering a small JSON body.
const SERVER = `
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

export interface BareHttp {
  /** CPU µs per request of the bare server, saturated (closed loop), median of rounds. */
  cpuPerRequest: number;
  rps: number;
  /**
   * The gateway alone in front of that server, saturated too: its CPU per proxied request, and
   * its ratio to the bare server's, taken per round (the two runs of a round side by side).
   */
  gateway?: { cpuPerRequest: number; rps: number; ratio: number; ratios: number[] };
}

/**
 * CPU per request of a bare `node:http` server, and of the gateway proxying to it, in the same
 * run. In the farm the gateway waits on a replica that is slower than it, so it never runs flat
 * out and pays more wake-ups per request than a saturated bare server does; in front of the bare
 * server both run flat out, which is the like-for-like comparison the gateway target asks for.
 */
export async function bareHttp(ctx: BenchContext): Promise<BareHttp> {
  const child = spawn(process.execPath, ['-e', SERVER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let gateway: ServiceProcess | undefined;
  try {
    const port = await new Promise<number>((resolve) =>
      child.once('message', (m: { port: number }) => resolve(m.port)),
    );
    const upstream = `http://127.0.0.1:${port}`;
    gateway = await spawnService({
      name: 'gateway',
      script: GATEWAY,
      env: {
        ...ctx.farmEnv(),
        AUTH_URL: upstream,
        RESOURCE_UPSTREAMS: upstream,
        GATEWAY_PORT: '0',
      },
      log: () => undefined,
    });
    const measure = (pid: number, url: string) =>
      cpuUnderLoad(pid, {
        url,
        connections: ctx.profile.connections,
        durationS: ctx.profile.closedS,
      });
    const proxied = `${gateway.url}/api/me`;
    await closedLoop({
      url: proxied,
      connections: ctx.profile.connections,
      durationS: ctx.profile.warmupS,
    });
    const bare: Array<{ cpuPerRequest: number; rps: number }> = [];
    const through: Array<{ cpuPerRequest: number; rps: number }> = [];
    for (let round = 0; round < ctx.profile.rounds; round++) {
      bare.push(await measure(child.pid ?? 0, `${upstream}/`));
      through.push(await measure(gateway.child.pid ?? 0, proxied));
    }
    const ratios = through.map((g, i) => g.cpuPerRequest / bare[i].cpuPerRequest);
    return {
      cpuPerRequest: median(bare.map((s) => s.cpuPerRequest)),
      rps: median(bare.map((s) => s.rps)),
      gateway: {
        cpuPerRequest: median(through.map((s) => s.cpuPerRequest)),
        rps: median(through.map((s) => s.rps)),
        ratio: median(ratios),
        ratios,
      },
    };
  } finally {
    await gateway?.stop();
    child.kill();
  }
}
