import type { Results } from './results.schema.js';
import { barChart, lineChart } from './svg.js';

/** One chart per scenario; the first is the headline. File name to SVG text. */
export function charts(s: Results['scenarios']): Record<string, string> {
  const floors = new Map(s.primitives.map((p) => [p.name, p.cpuMicros]));
  const base = s.cost.modes.find((m) => m.mode === 'no-auth');
  const out: Record<string, string> = {};
  out['1-throughput-by-mode.svg'] = barChart({
    title: 'Throughput through the gateway, 1 replica (median of rounds)',
    unit: 'req/s',
    bars: s.cost.modes.map((m) => ({ label: m.mode, value: m.rps.median })),
  });
  out['1-replica-cpu-by-mode.svg'] = barChart({
    title: 'Replica CPU per request (dashed: no-auth + the primitive alone)',
    unit: 'µs',
    bars: s.cost.modes.map((m) => {
      const primitive = floorFor(m.mode, floors);
      return {
        label: m.mode,
        value: m.cpuPerRequest.replica,
        ...(base && primitive !== undefined
          ? { mark: base.cpuPerRequest.replica + primitive }
          : {}),
      };
    }),
  });
  out['2-primitive-floor.svg'] = barChart({
    title: 'The primitive floor: each primitive alone (client CPU per call)',
    unit: 'µs',
    bars: s.primitives.map((p) => ({
      label: p.name.replace(' (fast-jwt)', ''),
      value: p.cpuMicros,
    })),
  });
  out['3-far-store.svg'] = lineChart({
    title: 'Latency (p50) when the store is far away',
    xLabel: 'added delay each way (ms)',
    yLabel: 'p50 latency (ms)',
    series: group(s.farStore, (p) => p.mode).map(([name, points]) => ({
      name,
      points: points.map((p) => [p.delayMs, p.p50Ms] as [number, number]),
    })),
  });
  out['4-scaling.svg'] = lineChart({
    title: 'Store operations per second against request rate',
    xLabel: 'requests per second',
    yLabel: 'store ops per second',
    series: group(s.scaling, (p) => p.mode).map(([name, points]) => ({
      name,
      points: points.map((p) => [p.rps, p.storeOpsPerSecond] as [number, number]),
    })),
  });
  out['5-memory-per-session.svg'] = barChart({
    title: `Server memory per session (${s.memory.sessions.toLocaleString('en-US')} sessions)`,
    unit: 'bytes',
    bars: [
      { label: 'Redis', value: s.memory.redisBytesPerSession },
      { label: 'Postgres (table + indexes)', value: s.memory.postgresBytesPerSession },
      { label: 'JWT', value: 0 },
    ],
  });
  out['6-token-size.svg'] = barChart({
    title: 'Credential bytes on the wire per request',
    unit: 'bytes',
    bars: s.tokenSize.map((p) => ({ label: p.credential, value: p.headerBytes })),
  });
  out['7-revocation-reach.svg'] = barChart({
    title: 'Log out everywhere: time until every replica refuses (p99)',
    unit: 'ms',
    bars: s.reach.map((r) => ({ label: r.mode, value: r.p99Ms })),
  });
  out['8-store-outage.svg'] = lineChart({
    title: 'Store outage: share of requests answered 200, per second',
    xLabel: 'second of the run',
    yLabel: 'success rate',
    series: s.outage.map((r) => ({
      name: r.mode,
      points: r.perSecond.map((x) => [x.second, x.sent ? x.ok / x.sent : 0] as [number, number]),
    })),
  });
  out['9-reference-apps.svg'] = barChart({
    title: 'Against what users would pick instead (replica hit directly)',
    unit: 'req/s',
    bars: s.reference.map((r) => ({ label: r.app, value: r.rps })),
  });
  return out;
}

function floorFor(mode: string, floors: Map<string, number>): number | undefined {
  if (mode.startsWith('session (redis)')) return floors.get('redis GET (client)');
  if (mode.startsWith('session (postgres)'))
    return floors.get('pg query by key, prepared (client)');
  if (mode.includes('+ cache')) return floors.get('verify EdDSA, cached (fast-jwt)');
  const alg = /(HS256|EdDSA|ES256|RS256)/.exec(mode)?.[1];
  return alg ? floors.get(`verify ${alg} (fast-jwt)`) : undefined;
}

function group<T>(items: T[], key: (item: T) => string): Array<[string, T[]]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return [...map];
}
