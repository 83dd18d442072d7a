import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FaultProxy, type Farm } from '@authfarm/farm';
import { recordFigures } from '../support/figures.js';
import {
  FixedRateLoad,
  countStatuses,
  figuresOf,
  outageOf,
  stallOf,
  type Sample,
} from '../support/load.js';
import { startTestFarm } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';
import { LIVE_AUTH, TestUser, apiMeWithEveryCredential, loginOrRefresh } from '../support/users.js';
import { waitFor } from '../support/wait-for.js';

// Guards against what a lost database brings: login, refresh or a Postgres-backed session check
// that hangs or answers 500 instead of a quick 503; Redis sessions and tokens failing although
// they never needed Postgres; and a farm that needs a restart once Postgres is back. The shared
// Postgres server is not stopped: every service of the farm reaches it through a proxy that this
// test cuts, which drops the pooled connections too and refuses new ones, as a stopped server
// would.

function postgresOutage(store: 'postgres' | 'redis'): void {
  let starting: Promise<Farm>;
  let farm: Farm;
  let postgres: FaultProxy;

  beforeAll(async () => {
    const target = new URL(testEnv().databaseUrl);
    postgres = new FaultProxy(target.hostname, Number(target.port || 5432));
    const port = await postgres.start();
    const proxied = new URL(target);
    proxied.port = String(port);
    starting = startTestFarm({
      REPLICAS: '1',
      SESSION_STORE: store,
      DATABASE_URL: proxied.toString(),
    });
    farm = await starting;
  });
  afterAll(async () => {
    await (await starting?.catch(() => undefined))?.stop();
    await postgres?.stop();
  });

  it(`answers login and refresh 503 within a second, ${
    store === 'postgres' ? 'and Postgres sessions too' : 'keeps Redis sessions working'
  }, keeps JWTs working, and recovers by itself`, async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const load = new FixedRateLoad(10, await apiMeWithEveryCredential(user)).start();
    const spare = await user.tokens('jwt');
    await waitFor('the load runs', async () => load.sent >= 30, 5000);

    await postgres.cut();
    const cutAt = Date.now();
    const probes = new FixedRateLoad(50, loginOrRefresh(farm.gatewayUrl, user.username)).start();
    const sentSince = (samples: Sample[]) => samples.filter((s) => s.sentAt >= cutAt).length;
    await waitFor(
      'login, refresh and credentials tried while Postgres is away',
      async () => probes.samples.length >= 20 && sentSince(load.samples) >= 150,
      10_000,
    );
    await postgres.restore();
    const restoredAt = Date.now();
    const answered = (samples: Sample[], kind: string, status: number) =>
      samples.some((s) => s.sentAt >= restoredAt && s.kind === kind && s.status === status);
    await waitFor(
      'everything answers again',
      async () =>
        answered(probes.samples, 'login', LIVE_AUTH.login) &&
        answered(probes.samples, 'refresh', LIVE_AUTH.refresh) &&
        answered(load.samples, 'session', 200),
      10_000,
    );
    const authSamples = await probes.stop();
    const meSamples = (await load.stop()).filter((s) => s.sentAt >= cutAt);
    const refreshed = await fetch(`${farm.gatewayUrl}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: spare.refresh_token }),
    });

    const login = outageOf(authSamples, 'login', LIVE_AUTH.login);
    const refresh = outageOf(authSamples, 'refresh', LIVE_AUTH.refresh);
    const sessions = outageOf(meSamples, 'session', 200);
    const tokens = meSamples.filter((s) => s.kind !== 'session');
    const refused = [
      ...login.down,
      ...refresh.down,
      ...(store === 'postgres' ? sessions.down : []),
    ];
    const figures = {
      sessionStore: store,
      tokens: figuresOf(tokens, (s) => s.status === 200),
      sessions: figuresOf(
        meSamples.filter((s) => s.kind === 'session'),
        (s) => s.status === 200,
      ),
      answeredWhileDown: figuresOf(refused, (s) => s.status === 503),
      statusesWhileDown: countStatuses(refused),
      outageMs: restoredAt - cutAt,
      recoveryMs: Math.max(
        0,
        ...[login, refresh, sessions].map((outage) => outage.recoveredAt - restoredAt),
      ),
      command: 'npx jest test/e2e/postgres-outage.spec.ts',
    };
    recordFigures(`postgres-cut-${store}-sessions`, figures);

    expect(figures.tokens.sent).toBeGreaterThan(100);
    expect(figures.tokens.failed).toBe(0);
    expect(login.down.length).toBeGreaterThanOrEqual(5);
    expect(refresh.down.length).toBeGreaterThanOrEqual(5);
    if (store === 'postgres') expect(sessions.down.length).toBeGreaterThanOrEqual(20);
    else expect(figures.sessions.failed).toBe(0);
    // Until Postgres is back: 503 within a second (plus any stall of the machine itself, seen on
    // the token requests that never needed Postgres); once back, the normal answer again.
    expect(Object.keys(figures.statusesWhileDown)).toEqual(['503']);
    expect(figures.answeredWhileDown.maxLatencyMs).toBeLessThan(1000 + stallOf(tokens));
    const afterwards = [...login.up, ...refresh.up, ...sessions.up];
    const normal: Record<string, number> = { ...LIVE_AUTH, session: 200 };
    expect(afterwards.filter((s) => s.status !== normal[s.kind])).toEqual([]);
    expect(figures.recoveryMs).toBeLessThan(5000);
    expect(refreshed.status).toBe(200);
  });
}

describe('Postgres goes away while sessions live in Postgres', () => postgresOutage('postgres'));
describe('Postgres goes away while sessions live in Redis', () => postgresOutage('redis'));
