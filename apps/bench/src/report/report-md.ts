import type { Results } from './results.schema.js';
import { storeCapacity } from './targets.js';

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const bytes = (x: number) =>
  x >= 1e12
    ? `${n(x / 1e12)} TB`
    : x >= 1e9
      ? `${n(x / 1e9)} GB`
      : x >= 1e6
        ? `${n(x / 1e6)} MB`
        : `${int(x)} B`;

/** The headline table: what the README shows. */
export function summaryTable(r: Results): string {
  const rows = r.scenarios.cost.modes.map(
    (m) =>
      `| ${m.mode} | ${int(m.rps.median)} (${int(m.rps.min)}–${int(m.rps.max)}) | ${n(m.p50Ms, 2)} | ${n(m.p99Ms, 2)} | ${n(m.cpuPerRequest.gateway)} | ${n(m.cpuPerRequest.replica)} | ${n(m.cpuPerRequestFixedRate.replica)} (${n(m.noAuthFixedRate.replica)}) | ${n(m.serviceRoundTripsPerRequest, 2)} | ${n(m.redisCommandsPerRequest, 2)} | ${n(m.postgresStatementsPerRequest, 2)} |`,
  );
  return [
    '| mode | req/s, median (range) | p50 ms | p99 ms | gateway µs/req | replica µs/req | replica µs/req, fixed rate (no-auth, same farm) | store round trips/req (replica) | Redis cmds/req (server) | Postgres stmts/req (server) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The README's "Latest figures" block, between its `bench:latest` markers. */
export function readmeBlock(r: Results, command: string): string {
  const met = r.targets.filter((t) => t.met).length;
  return `From the latest full run (\`${command}\`, ${r.startedAt}, ${r.machine.cores} cores; full report with
every scenario: [docs/benchmark/latest.md](docs/benchmark/latest.md)). Through the gateway, one
replica, median of ${(r.profile as { rounds?: number }).rounds ?? 3} interleaved rounds; CPU per request from \`/proc\`. Noise here is ±20–40 %:
compare ratios within the run. Targets of the benchmark issue met: **${met} of ${r.targets.length}**
(the report lists each, with the figure).

${summaryTable(r)}

![Replica CPU per request by mode](docs/benchmark/1-replica-cpu-by-mode.svg)`;
}

/** Replaces what lies between `<!-- bench:latest -->` and `<!-- /bench:latest -->`. */
export function withReadmeBlock(readme: string, block: string): string {
  const start = '<!-- bench:latest -->';
  const end = '<!-- /bench:latest -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error('README.md has no bench:latest markers');
  return `${readme.slice(0, from + start.length)}\n${block}\n${readme.slice(to)}`;
}

/** How the closed-loop runs of a round were ordered (one piece each before the profile had slices). */
function inTurns(r: Results): string {
  const slices = (r.profile as { slices?: number }).slices ?? 1;
  if (slices <= 1) return '';
  return `, each mode's run cut into ${slices} slices that take turns with the other modes' (A B C … C B A …), so a drift of the machine during a round falls on every mode alike`;
}

/** A warning for every round of scenario 1 whose closed loop had failed requests. */
function failures(r: Results): string {
  const failed = r.scenarios.cost.modes.flatMap((m) =>
    m.rounds.flatMap((round, i) =>
      round.non2xx > 0 ? [`${m.mode} round ${i + 1}: ${int(round.non2xx)}`] : [],
    ),
  );
  if (failed.length === 0) return '';
  return `**Failed requests (non-2xx or errors) in the closed loop; these rounds measured failures, not checks:** ${failed.join('; ')}.\n\n`;
}

/** The whole report: one section per scenario, targets met or missed, every chart. */
export function reportMarkdown(r: Results, command: string): string {
  const s = r.scenarios;
  const met = r.targets.filter((t) => t.met).length;
  return `# authfarm benchmark — ${r.startedAt}

Profile **${r.profile.name}**, \`${command}\`. Machine: ${r.machine.cores} × ${r.machine.cpus}, ${n(r.machine.memoryGiB, 0)} GiB, ${r.machine.os}, Node ${r.versions.node}. Every figure comes from runs interleaved in this invocation (${(r.profile as { rounds?: number }).rounds ?? 3} rounds, median; range in brackets). Raw samples: \`results.json\`. Noise on a 2-core machine is ±20–40%: compare ratios, not absolute figures.

## Targets: ${met} of ${r.targets.length} met

| target | wanted | measured | |
|---|---|---|---|
${r.targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`).join('\n')}

## 1. Cost per request by mode

Closed loop (${(r.profile as { connections?: number }).connections} connections) through the gateway for throughput and CPU${inTurns(r)}; open loop at ${(r.profile as { openRate?: number }).openRate} req/s for latency (coordinated omission corrected); and CPU again at a fixed ${(r.profile as { cpuRate?: number }).cpuRate} req/s on the same kept-alive connections, the same rate for every mode and ${'slices' in r.profile ? 'taking turns (in the same slices) with' : 'followed by'} the no-auth route of the same farm, from which the replica-overhead targets are computed (in the closed loop a slower route also loses batching: both are shown). CPU per request from /proc (per-thread schedstat, in nanoseconds) for each process; ${'slices' in r.profile ? 'during the fixed-rate run, ' : ''}round trips counted by the replicas (\`authfarm_store_round_trips_total\`) and work counted by the stores (Redis \`INFO commandstats\`, where the session script counts once plus once per command inside it; Postgres \`pg_stat_database\` transactions, which include the auth service's and other farms' background work).

${summaryTable(r)}

${failures(r)}A bare \`node:http\` server measured ${n(s.cost.bareHttp.cpuPerRequest)} µs/req in the same run${s.cost.bareHttp.gateway ? `, and the gateway alone in front of it ${n(s.cost.bareHttp.gateway.cpuPerRequest)} µs per proxied request (${n(s.cost.bareHttp.gateway.ratio, 2)} ×; both saturated, ratio per round, median)` : ''}.

![throughput](1-throughput-by-mode.svg)
![replica cpu](1-replica-cpu-by-mode.svg)

CPU per request by process (µs):

| mode | ${Object.keys(s.cost.modes[0]?.cpuPerRequest ?? {}).join(' | ')} |
|---|${Object.keys(s.cost.modes[0]?.cpuPerRequest ?? {})
    .map(() => '---')
    .join('|')}|
${s.cost.modes
  .map(
    (m) =>
      `| ${m.mode} | ${Object.values(m.cpuPerRequest)
        .map((v) => n(v))
        .join(' | ')} |`,
  )
  .join('\n')}

Store capacity (one store core, from the store's CPU per lookup above; "replicas" = how many replicas running flat out at the measured rate one core serves):

| store | lookups per core-second | saturated replicas per core |
|---|---|---|
${storeCapacity(s)
  .map((c) => `| ${c.store} | ${int(c.lookupsPerCoreSecond)} | ${n(c.replicasPerCore)} |`)
  .join('\n')}

## 2. The primitive floor

Each primitive alone, two ways: called back to back in a loop (warm caches; the floor the targets are set against), and once per request in a bare \`node:http\` server at the fixed ${(r.profile as { cpuRate?: number }).cpuRate} req/s of the replicas' CPU runs, over that server's plain route (a cold cache and an event-loop wake-up each time: the floor a replica could reach).

| primitive | CPU µs per call, loop | once per request in a server |
|---|---|---|
${s.primitives.map((p) => `| ${p.name} | ${n(p.cpuMicros, 2)} | ${p.inServer ? n(p.inServer.cpuMicros, 1) : ''} |`).join('\n')}

![floor](2-primitive-floor.svg)

## 3. The far store

| added delay each way | ${[...new Set(s.farStore.map((p) => p.mode))].join(' p50 / p99 ms | ')} p50 / p99 ms |
|---|${[...new Set(s.farStore.map((p) => p.mode))].map(() => '---').join('|')}|
${[...new Set(s.farStore.map((p) => p.delayMs))]
  .map(
    (d) =>
      `| ${d} ms | ${s.farStore
        .filter((p) => p.delayMs === d)
        .map((p) => `${n(p.p50Ms, 2)} / ${n(p.p99Ms, 2)}`)
        .join(' | ')} |`,
  )
  .join('\n')}

Sessions pay one store round trip (2 × the delay) per request; JWT does not touch the store.

![far store](3-far-store.svg)

## 4. Scaling out

| replicas | mode | req/s | store ops/s | store ops/request |
|---|---|---|---|---|
${s.scaling.map((p) => `| ${p.replicas} | ${p.mode} | ${int(p.rps)} | ${int(p.storeOpsPerSecond)} | ${n(p.storeOpsPerRequest, 2)} |`).join('\n')}

**Extrapolation (a model, not a measurement):** store load grows linearly with request rate for sessions (about ${n(s.scaling.find((p) => p.mode === 'session')?.storeOpsPerRequest ?? NaN, 2)} ops per request) and stays at zero for JWT. A farm of 100 replicas each serving the 1-replica rate above would send the session store about ${int(100 * (s.scaling.find((p) => p.mode === 'session' && p.replicas === 1)?.storeOpsPerSecond ?? NaN))} ops/s.

![scaling](4-scaling.svg)

## 5. Memory per session

${int(s.memory.sessions)} sessions: Redis **${n(s.memory.redisBytesPerSession, 0)} B** per session, Postgres **${n(s.memory.postgresBytesPerSession, 0)} B** (table + indexes), JWT 0 B on the server.

| users | Redis | Postgres | JWT |
|---|---|---|---|
${s.memory.projections.map((p) => `| ${p.users.toExponential(0)} | ${bytes(p.redisBytes)} | ${bytes(p.postgresBytes)} | 0 |`).join('\n')}

![memory](5-memory-per-session.svg)

## 6. Token size

| credential | header bytes per request | req/s through the gateway |
|---|---|---|
${s.tokenSize.map((p) => `| ${p.credential} | ${p.headerBytes} | ${int(p.rps)} |`).join('\n')}

![token size](6-token-size.svg)

## 7. Revocation reach

| mode | trials | p50 | p99 | |
|---|---|---|---|---|
${s.reach.map((x) => `| ${x.mode} | ${x.trials} | ${n(x.p50Ms, 1)} ms | ${n(x.p99Ms, 1)} ms | ${x.note ?? ''} |`).join('\n')}

![reach](7-revocation-reach.svg)

## 8. Store outage

Redis (through a proxy between the replicas and the store) unreachable from second ${(r.profile as { outage?: { cutAtS: number } }).outage?.cutAtS} for ${(r.profile as { outage?: { cutForS: number } }).outage?.cutForS} s of a fixed-rate run.

| mode | sent | 200 | 503 | other | worst latency | recovered after |
|---|---|---|---|---|---|---|
${s.outage
  .map((o) => {
    const sum = (k: 'sent' | 'ok' | 'unavailable' | 'other') =>
      o.perSecond.reduce((t, x) => t + x[k], 0);
    return `| ${o.mode} | ${sum('sent')} | ${sum('ok')} | ${sum('unavailable')} | ${sum('other')} | ${int(Math.max(...o.perSecond.map((x) => x.maxLatencyMs)))} ms | ${o.recoveryS === null ? 'n/a' : `${o.recoveryS} s`} |`;
  })
  .join('\n')}

![outage](8-store-outage.svg)

## 9. Against what users would pick instead

| app | req/s | p99 ms |
|---|---|---|
${s.reference.map((x) => `| ${x.app} | ${int(x.rps)} | ${n(x.p99Ms, 2)} |`).join('\n')}

![reference](9-reference-apps.svg)

## Where the time goes

Flame graphs of a replica and of the gateway under session and jwt HS256 load (idle time removed;
green: authfarm, orange: dependencies, blue: Node itself). The raw \`.cpuprofile\` files open in
Chrome DevTools or speedscope.

${r.profiles
  .filter((f) => f.endsWith('.svg'))
  .map((f) => `![${f}](${f})`)
  .join('\n')}
`;
}

export function indexHtml(r: Results, charts: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>authfarm benchmark ${r.startedAt}</title>
<style>body{font-family:system-ui,sans-serif;max-width:820px;margin:2em auto}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}</style>
</head><body>
<h1>authfarm benchmark</h1>
<p>${r.startedAt}, profile ${r.profile.name}. Targets met: ${r.targets.filter((t) => t.met).length} of ${r.targets.length}. Full report: <a href="report.md">report.md</a>, raw data: <a href="results.json">results.json</a>.</p>
${charts.map((c) => `<img src="${c}" alt="${c}">`).join('\n')}
</body></html>
`;
}
