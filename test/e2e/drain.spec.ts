import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Agent } from 'node:http';
import { FaultProxy, type ExitStatus, type Farm, type ServiceProcess } from '@authfarm/farm';
import { send, tryConnect, watchRedis, type Answer } from '../support/connections.js';
import { call } from '../support/http.js';
import { recordFigures } from '../support/figures.js';
import { FixedRateLoad, figuresOf } from '../support/load.js';
import { metricTotal } from '../support/metrics.js';
import { startTestFarm } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';
import { PASSWORD, TestUser, apiMe } from '../support/users.js';
import { waitFor } from '../support/wait-for.js';

// Guards against a SIGTERM that loses work or never ends: in-flight requests cut off; a process
// that exits before they finish; one that lingers for the keep-alive timeout because a client
// keeps an idle connection open; and an exit status an orchestrator reads as a crash. Redis is
// reached through a proxy that slows every store round trip, so requests are still in flight when
// the signal arrives.
let starting: Promise<Farm>;
let farm: Farm;
let redis: FaultProxy;
// Each way: a store round trip takes 300 ms, well inside the store timeout this farm runs with.
const DELAY_MS = 150;
// From the signal to the exit: Compose's grace period before it sends SIGKILL (Kubernetes: 30 s).
const EXIT_BOUND_MS = 10_000;

// Services are killed and started again: on a loaded 2-core machine a start can take tens of
// seconds, more than Jest's default for one test.
jest.setTimeout(120_000);

beforeAll(async () => {
  const target = new URL(testEnv().redisUrl);
  redis = new FaultProxy(target.hostname, Number(target.port || 6379));
  const port = await redis.start();
  starting = startTestFarm({
    REPLICAS: '2',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    STORE_TIMEOUT_MS: '2000',
  });
  farm = await starting;
});
afterAll(async () => {
  await (await starting?.catch(() => undefined))?.stop();
  await redis?.stop();
});

interface Drain {
  /** Requests sent before the signal, and how many of them were still unanswered at it. */
  inFlight: number;
  inFlightAtSignal: number;
  failed: number;
  /** From the signal: when the last in-flight request was answered. */
  lastAnsweredMs: number;
  /** From the signal: when a new connection was first refused. */
  firstRefusedMs: number | null;
  acceptedAfterRefusal: number;
  /** Null when it had not exited within EXIT_BOUND_MS. */
  exit: ExitStatus | null;
  exitMs: number | null;
}

/**
 * Sends SIGTERM to `service` while `inFlight` run, then tries new connections to its port until
 * it exits (or EXIT_BOUND_MS passes): what clients see of the drain.
 */
async function sigterm(
  service: ServiceProcess,
  inFlight: Array<Promise<Answer>>,
  expected: number[],
): Promise<{ figures: Drain; signalledAt: number }> {
  const signalledAt = Date.now();
  let exit: ExitStatus | undefined;
  let exitedAt: number | undefined;
  void service.exited.then((status) => {
    exit = status;
    exitedAt = Date.now();
  });
  service.child.kill('SIGTERM');
  let firstRefusedAt: number | undefined;
  let acceptedAfterRefusal = 0;
  const probe = async (): Promise<boolean> => {
    const outcome = await tryConnect(service.port);
    if (outcome === 'refused') firstRefusedAt ??= Date.now();
    else if (firstRefusedAt !== undefined) acceptedAfterRefusal++;
    return exit !== undefined || Date.now() - signalledAt > EXIT_BOUND_MS;
  };
  await waitFor('the service exits or the bound passes', probe, EXIT_BOUND_MS * 2, 20);
  const answers = await Promise.all(inFlight);
  const since = (at: number | undefined) => (at === undefined ? null : at - signalledAt);
  return {
    signalledAt,
    figures: {
      inFlight: answers.length,
      inFlightAtSignal: answers.filter((answer) => answer.endedAt > signalledAt).length,
      failed: answers.filter((answer, i) => answer.status !== expected[i]).length,
      lastAnsweredMs: Math.max(...answers.map((answer) => answer.endedAt)) - signalledAt,
      firstRefusedMs: since(firstRefusedAt),
      acceptedAfterRefusal,
      exit: exit ?? null,
      exitMs: since(exitedAt),
    },
  };
}

/** Logins of `users` (session and JWT in turn), and whether each has reached the auth service. */
async function startLogins(
  agent: Agent,
  users: TestUser[],
): Promise<{ answers: Array<Promise<Answer>>; arrived: () => boolean; close(): void }> {
  const keys = users.map((user) => `login-failures:user:${user.username}`);
  // The login throttle's MGET is the first thing a login does on the auth service.
  const watch = await watchRedis(
    testEnv().redisUrl,
    (args) => args[0]?.toLowerCase() === 'mget' && keys.some((key) => args[1]?.endsWith(key)),
  );
  const answers = users.map((user, i) =>
    send(agent, `${farm.gatewayUrl}/auth/login`, {
      body: { username: user.username, password: PASSWORD, mode: i % 2 === 0 ? 'session' : 'jwt' },
    }),
  );
  return { answers, arrived: () => watch.seen.length >= users.length, close: watch.close };
}

const register = (count: number): Promise<TestUser[]> =>
  Promise.all(Array.from({ length: count }, () => TestUser.register(farm.gatewayUrl)));

function expectCleanDrain(figures: Drain): void {
  expect(figures.inFlightAtSignal).toBeGreaterThan(0); // the drain had work to wait for
  expect(figures.failed).toBe(0);
  expect(figures.firstRefusedMs).toBeLessThan(2000);
  expect(figures.acceptedAfterRefusal).toBe(0);
  expect(figures.exit).toEqual({ code: 0, signal: null });
  expect(figures.exitMs).toBeLessThan(EXIT_BOUND_MS);
  expect(figures.exitMs).toBeGreaterThanOrEqual(figures.lastAnsweredMs); // it waited for them
}

describe('SIGTERM to the auth service', () => {
  it('finishes in-flight logins with 200, refuses new connections, exits 0, and serves again once restarted', async () => {
    const users = await register(6);
    const agent = new Agent({ keepAlive: true }); // the gateway keeps its connections open too
    redis.delayMs = DELAY_MS;
    let drain: Awaited<ReturnType<typeof sigterm>>;
    try {
      const logins = await startLogins(agent, users);
      await waitFor(
        'every login reached the auth service',
        async () => logins.arrived(),
        10_000,
        10,
      );
      logins.close();
      drain = await sigterm(farm.auth, logins.answers, Array(users.length).fill(200));
    } finally {
      redis.delayMs = 0;
      agent.destroy();
    }
    await farm.restartAuth();
    const recoveryMs = await waitFor(
      'logins work again through the gateway',
      async () =>
        (await call(`${farm.gatewayUrl}/auth/login`, {
          body: { username: users[0].username, password: PASSWORD, mode: 'jwt' },
        }).then(
          (reply) => reply.status,
          () => 0,
        )) === 200,
      5000,
    );
    recordFigures('auth-sigterm', {
      ...drain.figures,
      recoveryMs,
      command: 'npx jest test/e2e/drain.spec.ts',
    });

    expectCleanDrain(drain.figures);
  });
});

describe('SIGTERM to the gateway (one gateway: drain, exit, restart)', () => {
  it('finishes in-flight requests with their status, refuses new connections, exits 0, and serves again on its port once restarted', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    const users = await register(4);
    const touches = async () =>
      (
        await Promise.all(
          farm.replicas.map((r) => metricTotal(r.url, 'authfarm_store_round_trips_total')),
        )
      ).reduce((a, b) => a + b, 0);
    const agent = new Agent({ keepAlive: true }); // a browser keeps its connections open
    redis.delayMs = DELAY_MS;
    let drain: Awaited<ReturnType<typeof sigterm>>;
    try {
      const before = await touches();
      const logins = await startLogins(agent, users);
      const reads = Array.from({ length: 6 }, () =>
        send(agent, `${farm.gatewayUrl}/api/me`, { headers: cookie }),
      );
      await waitFor(
        'every request reached a replica or the auth service',
        async () => logins.arrived() && (await touches()) - before >= reads.length,
        10_000,
        10,
      );
      logins.close();
      drain = await sigterm(
        farm.gateway,
        [...logins.answers, ...reads],
        [...users.map(() => 200), ...reads.map(() => 200)],
      );
    } finally {
      redis.delayMs = 0;
      agent.destroy();
    }
    const restarted = await farm.restartGateway(); // stops the old process first if it still runs
    const restartedAt = Date.now();
    const load = new FixedRateLoad(10, apiMe(farm.gatewayUrl, [['session', cookie]])).start();
    await waitFor('requests after the restart', async () => load.sent >= 100, 10_000);
    const after = figuresOf(await load.stop(), (s) => s.status === 200);
    recordFigures('gateway-sigterm', {
      ...drain.figures,
      // From the old process's exit (or the bound) to the new one ready on the same port.
      restartMs: restartedAt - drain.signalledAt - (drain.figures.exitMs ?? EXIT_BOUND_MS),
      afterRestart: after,
      command: 'npx jest test/e2e/drain.spec.ts',
    });

    expect(restarted.port).toBe(Number(new URL(farm.gatewayUrl).port));
    expectCleanDrain(drain.figures);
    expect(after.failed).toBe(0);
  });
});
