import { describe, expect, it, jest } from '@jest/globals';
import { recordFigures } from '../support/figures.js';
import { call } from '../support/http.js';
import { FixedRateLoad, countStatuses, figuresOf, outageOf, stallOf } from '../support/load.js';
import { farmForThisFile } from '../support/test-farm.js';
import {
  LIVE_AUTH,
  TestUser,
  apiMe,
  apiMeWithEveryCredential,
  bearer,
  loginOrRefresh,
} from '../support/users.js';
import { waitFor } from '../support/wait-for.js';

// Guards against a farm that leans on the auth service for more than issuing credentials: cookies
// and tokens already issued failing while it is away; login and refresh hanging, or answering
// 500/502 instead of a quick 503; and a farm that needs restarting once the auth service is back.

// Services are killed and started again: on a loaded 2-core machine a start can take tens of
// seconds, more than Jest's default for one test.
jest.setTimeout(120_000);

describe('the auth service is killed under load', () => {
  const farm = farmForThisFile({ REPLICAS: '2' });

  it('keeps existing sessions and JWTs working, answers login and refresh 503 within a second, and takes them back without restarting anything else', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const load = new FixedRateLoad(10, await apiMeWithEveryCredential(user)).start();
    const spare = await user.tokens('jwt');
    const port = farm.auth.port;
    await waitFor('the load runs', async () => load.sent >= 50, 5000);

    await farm.auth.stop('SIGKILL');
    await farm.auth.exited;
    const killedAt = Date.now();
    const probes = new FixedRateLoad(50, loginOrRefresh(farm.gatewayUrl, user.username)).start();
    // A bounded load: a few hundred requests with credentials issued before, all while the auth
    // service is down (its restart, CPU-heavy on a small machine, is not part of this figure).
    await waitFor(
      'credentials, login and refresh tried while the auth service is down',
      async () =>
        probes.samples.length >= 20 &&
        load.samples.filter((s) => s.sentAt >= killedAt).length >= 300,
      20_000,
    );
    const meSamples = await load.stop();
    const restartAt = Date.now();
    const restarted = await farm.restartAuth(); // on its old port; nothing else is restarted
    const readyAt = Date.now();
    const answered = (kind: string) =>
      probes.samples.some((s) => s.kind === kind && s.status === LIVE_AUTH[kind]);
    await waitFor(
      'login and refresh answer again',
      async () => answered('login') && answered('refresh'),
      10_000,
    );
    const authSamples = await probes.stop();
    const refreshed = await fetch(`${farm.gatewayUrl}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: spare.refresh_token }),
    });

    const login = outageOf(authSamples, 'login', LIVE_AUTH.login);
    const refresh = outageOf(authSamples, 'refresh', LIVE_AUTH.refresh);
    const down = [...login.down, ...refresh.down];
    const beforeRestart = down.filter((s) => s.sentAt < restartAt);
    const whileDown = meSamples.filter((s) => s.sentAt >= killedAt);
    const figures = {
      existingCredentials: figuresOf(meSamples, (s) => s.status === 200),
      existingCredentialsWhileDown: figuresOf(whileDown, (s) => s.status === 200),
      loginAndRefreshWhileDown: figuresOf(down, (s) => s.status === 503),
      loginAndRefreshBeforeRestart: figuresOf(beforeRestart, (s) => s.status === 503),
      statusesWhileDown: countStatuses(down),
      outageMs: readyAt - killedAt,
      // From the restarted process answering ready; 0 when the gateway had taken it back first.
      recoveryMs: Math.max(0, login.recoveredAt - readyAt, refresh.recoveredAt - readyAt),
      command: 'npx jest test/e2e/auth-outage.spec.ts',
    };
    recordFigures('auth-killed', figures);

    expect(restarted.port).toBe(port);
    expect(figures.existingCredentialsWhileDown.sent).toBeGreaterThanOrEqual(300);
    expect(figures.existingCredentials.failed).toBe(0);
    expect(login.down.length).toBeGreaterThanOrEqual(5);
    expect(refresh.down.length).toBeGreaterThanOrEqual(5);
    // Until the auth service is back: 503 every time, then the normal answer. Within a second (plus
    // any stall of the machine itself, seen on the requests that never needed the auth service),
    // timed while that load ran: the restart's own CPU spike is not the gateway's doing.
    expect(Object.keys(figures.statusesWhileDown)).toEqual(['503']);
    expect(figures.loginAndRefreshBeforeRestart.maxLatencyMs).toBeLessThan(
      1000 + stallOf(whileDown),
    );
    const afterwards = [...login.up, ...refresh.up];
    expect(afterwards.filter((s) => s.status !== LIVE_AUTH[s.kind])).toEqual([]);
    expect(figures.recoveryMs).toBeLessThan(5000);
    expect(refreshed.status).toBe(200);
  });
});

describe('the auth service is killed while replicas ask it about sessions', () => {
  const farm = farmForThisFile({ REPLICAS: '1', SESSION_CHECK: 'introspection' });

  it('answers session cookies 503 within a second, keeps JWTs working, and reconnects by itself', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    const load = new FixedRateLoad(
      20,
      apiMe(farm.gatewayUrl, [
        ['session', cookie],
        ['jwt', bearer(await user.tokens('jwt'))],
      ]),
    ).start();
    await waitFor('the load runs', async () => load.sent >= 20, 5000);

    await farm.auth.stop('SIGKILL');
    await farm.auth.exited;
    const killedAt = Date.now();
    await waitFor(
      'cookies and tokens tried while the auth service is down',
      async () => load.samples.filter((s) => s.sentAt >= killedAt).length >= 200,
      20_000,
    );
    const samples = (await load.stop()).filter((s) => s.sentAt >= killedAt);
    await farm.restartAuth(); // the replica is not restarted: its client must reconnect
    const recoveryMs = await waitFor(
      'cookies answer again',
      async () => (await call(`${farm.gatewayUrl}/api/me`, { headers: cookie })).status === 200,
      5000,
    );

    const sessions = samples.filter((s) => s.kind === 'session');
    const tokens = samples.filter((s) => s.kind === 'jwt');
    const figures = {
      tokens: figuresOf(tokens, (s) => s.status === 200),
      sessionsWhileDown: figuresOf(sessions, (s) => s.status === 503),
      statusesWhileDown: countStatuses(sessions),
      recoveryMs,
      command: 'npx jest test/e2e/auth-outage.spec.ts',
    };
    recordFigures('auth-killed-introspection', figures);

    expect(figures.tokens.failed).toBe(0);
    expect(sessions.length).toBeGreaterThanOrEqual(100);
    expect(Object.keys(figures.statusesWhileDown)).toEqual(['503']);
    expect(figures.sessionsWhileDown.maxLatencyMs).toBeLessThan(1000 + stallOf(tokens));
  });
});
