import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { cpuMicros } from './process-cpu.js';

export interface ClosedLoopResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Closed loop (a fixed number of connections, each sending as soon as it is answered): throughput. */
export async function closedLoop(options: {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Caps the whole run at this many requests per second (a fixed rate on kept-alive connections). */
  overallRate?: number;
}): Promise<ClosedLoopResult> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers,
    connections: options.connections,
    duration: options.durationS,
    pipelining: 1,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  const requests = result.requests.total;
  return {
    requests,
    durationS: result.duration,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * CPU µs per request that process `pid` spent while `options` loaded it (a process of its own: a
 * bare server, a gateway). A failed request throws: it would measure the failure path instead.
 */
export async function cpuUnderLoad(
  pid: number,
  options: Parameters<typeof closedLoop>[0],
): Promise<{ cpuPerRequest: number; rps: number }> {
  const before = cpuMicros(pid);
  const result = await closedLoop(options);
  if (result.non2xx + result.errors > 0) throw new Error(`load on ${options.url} failed`);
  return {
    cpuPerRequest: (cpuMicros(pid) - before) / Math.max(1, result.requests),
    rps: result.rps,
  };
}

export interface Sample {
  /** Scheduled send time, ms since the run started. */
  at: number;
  /** ms from the scheduled send time to the end of the response (coordinated omission corrected). */
  latencyMs: number;
  status: number;
}

/**
 * Open loop: requests are sent on a fixed schedule whatever happens to earlier ones, and latency is
 * measured from when each request was due, so a stall shows up in the tail instead of hiding it.
 */
export async function openLoop(options: {
  url: string;
  headers?: Record<string, string>;
  rate: number;
  durationS: number;
  timeoutMs?: number;
  onTick?: (elapsedS: number) => void;
  /** Connections to reuse (and leave open) across runs; by default a fresh pool per run. */
  agent?: Agent;
}): Promise<Sample[]> {
  const url = new URL(options.url);
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: 512 });
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const total = Math.round(options.rate * options.durationS);
  const interval = 1000 / options.rate;
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - started;
      while (sent < total && sent * interval <= now) {
        const at = sent * interval;
        sent++;
        pending.push(
          send(url, options.headers ?? {}, agent, options.timeoutMs ?? 5000).then((status) => {
            samples.push({ at, latencyMs: performance.now() - started - at, status });
          }),
        );
      }
      options.onTick?.(now / 1000);
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(interval, 5)));
    };
    tick();
  });
  await Promise.all(pending);
  if (!options.agent) agent.destroy();
  return samples.sort((a, b) => a.at - b.at);
}

function send(
  url: URL,
  headers: Record<string, string>,
  agent: Agent,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * Runs `count` measurements in `slices` turns each, the order reversed every other turn
 * (A B C, C B A, A B C …): a drift or stall of the machine lands on every measurement alike.
 */
export async function inTurns(
  count: number,
  slices: number,
  run: (index: number) => Promise<void>,
): Promise<void> {
  const forward = Array.from({ length: count }, (_, i) => i);
  for (let slice = 0; slice < slices; slice++) {
    for (const i of slice % 2 === 0 ? forward : [...forward].reverse()) await run(i);
  }
}
