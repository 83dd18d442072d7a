import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startFarm, type Farm } from '@authfarm/farm';
import { Http } from './device.js';
import { seconds } from './measure.js';
import type { Row, Scenario } from './scenario.js';
import { leakedKey } from './scenarios/leaked-key.js';
import { logoutEverywhere } from './scenarios/logout-everywhere.js';
import { scale } from './scenarios/scale.js';
import { storeOutage } from './scenarios/store-outage.js';
import { unsyncedFarm } from './scenarios/unsynced-farm.js';
import { renderTable } from './table.js';

// `npm run demo`: the classic claims of sessions vs JWTs, played against a farm this process
// starts, each measured. Exit status 0 only when every claim was observed as documented.
const USAGE = `usage: npm run demo [-- --json]
Starts a farm of its own (3 replicas, every auth mode, JWT_TTL=10 s), plays five scenarios
against it (log out everywhere, store outage, leaked signing key, unsynced farm, scale) and
prints each claim with what happened, measured. Takes about a minute after the build.
Exit status: 0 when every claim was observed as documented, 1 otherwise, 64 on a bad option.

  --json   the results as JSON on stdout (progress goes to stderr)
  --help   this text

The stores are those of npm start (REDIS_URL, DATABASE_URL; private ones are started where
none answers); the demo keeps its own signing key ring and Redis key prefix.`;

const SCENARIOS: Scenario[] = [logoutEverywhere, storeOutage, leakedKey, unsyncedFarm, scale];
const EXIT_USAGE = 64;
/** Farm log lines printed when something fails (the last ones: the cause is usually there). */
const LOG_TAIL = 200;

interface ScenarioResult {
  id: string;
  title: string;
  seconds: number;
  rows: Row[];
}

const options = parseOptions();
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const startedAt = performance.now();
const progress = options.json ? process.stderr : process.stdout;
const say = (line: string) => progress.write(`${line}\n`);
const logs: string[] = [];
const http = new Http();

const env: Record<string, string | undefined> = {
  // One machine, one clock: no leeway, so "until exp" is exp (a value set by the operator wins).
  JWT_LEEWAY: '0',
  // Apart from `npm start`'s farm on the same Redis (its revocation pushes included).
  REDIS_KEY_PREFIX: 'authfarm-demo:',
  ...process.env,
  REPLICAS: '3',
  AUTH_MODES: 'session,jwt,hybrid',
  JWT_TTL: '10',
  GATEWAY_PORT: '0',
  LOG_LEVEL: 'error',
  // The farms of several runs may share a database; each run signs with a ring of its own.
  JWT_KEY_RING: `demo-${randomBytes(6).toString('hex')}`,
};
if (env.SESSION_STORE === 'memory') {
  process.stderr.write('demo: SESSION_STORE=memory: the demo needs a shared store to cut\n');
  process.exit(EXIT_USAGE);
}

say(`[farm] starting a farm of its own: auth, 3 resource replicas, gateway…`);
const starting = startFarm({ env, controls: true, log: (line) => logs.push(line) });
stopOnSignals(starting);
const farm = await starting.catch((error: Error) => {
  printLogs();
  process.stderr.write(`demo: the farm did not start: ${error.message}\n`);
  return process.exit(1);
});
const farmSeconds = (performance.now() - startedAt) / 1000;
say(
  `[farm] up in ${farmSeconds.toFixed(1)} s: gateway ${farm.gatewayUrl}, ` +
    `${farm.replicas.length} replicas, session store ${farm.config.env.SESSION_STORE}`,
);

const results: ScenarioResult[] = [];
for (const [index, scenario] of SCENARIOS.entries()) {
  const label = `[${index + 1}/${SCENARIOS.length}] ${scenario.title}`;
  const scenarioStarted = performance.now();
  let rows: Row[];
  try {
    rows = await scenario.run({
      farm,
      controls: farm.controls!,
      http,
      step: (detail) => say(`${label}: ${detail}`),
    });
  } catch (error) {
    rows = [
      { claim: scenario.title, observed: `error: ${(error as Error).message}`, asClaimed: false },
    ];
  }
  const took = (performance.now() - scenarioStarted) / 1000;
  say(`${label}: ${rows.every((r) => r.asClaimed) ? '✓' : '✗'} (${took.toFixed(1)} s)`);
  results.push({ id: scenario.id, title: scenario.title, seconds: round(took), rows });
}

say('[farm] stopping…');
await farm.stop();
await http.close();
const totalMs = performance.now() - startedAt;
const rows = results.flatMap((r) => r.rows);
const missed = rows.filter((r) => !r.asClaimed);

if (options.json) {
  const json = {
    ok: missed.length === 0,
    seconds: round(totalMs / 1000),
    farmSeconds: round(farmSeconds),
    scenarios: results,
  };
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
} else {
  process.stdout.write(`\n${renderTable(rows, Math.max(100, process.stdout.columns ?? 120))}\n\n`);
  process.stdout.write(
    missed.length === 0
      ? `✓ ${rows.length} of ${rows.length} claims observed as documented, in ${seconds(totalMs)} ` +
          `(farm start ${farmSeconds.toFixed(1)} s)\n`
      : `✗ ${missed.length} of ${rows.length} claims not observed as documented, in ${seconds(totalMs)}:\n` +
          missed.map((r) => `  - ${r.claim}\n`).join(''),
  );
}
if (missed.length > 0) printLogs();
process.exit(missed.length === 0 ? 0 : 1);

function parseOptions(): { json: boolean; help: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { json: values.json, help: values.help };
  } catch (error) {
    // Node's message names the option ("Unknown option '--fast'"); its advice on '--' is not ours.
    process.stderr.write(`demo: ${(error as Error).message.split('. ')[0]}\n\n${USAGE}\n`);
    return process.exit(EXIT_USAGE);
  }
}

/** Ctrl-C or SIGTERM: stop every process of the farm (even one still starting), then exit. */
function stopOnSignals(farmStarting: Promise<Farm>): void {
  let stopping = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\n[farm] ${signal}: stopping the farm…\n`);
      void farmStarting
        .then((f) => f.stop())
        .catch(() => undefined)
        .finally(() => process.exit(code));
    });
  }
}

function printLogs(): void {
  if (logs.length === 0) return;
  const tail = logs.slice(-LOG_TAIL);
  process.stderr.write(
    `\n--- the farm's log (${tail.length < logs.length ? `last ${tail.length} of ` : ''}${logs.length} lines) ---\n` +
      `${tail.join('\n')}\n`,
  );
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
