import type { SessionStoreKind } from '@authfarm/config';
import { Device, registerUser, type Http } from '../device.js';
import { percent, seconds, timed } from '../measure.js';
import type { Row, Scenario, ScenarioContext } from '../scenario.js';

const USERS = 5;
const REQUESTS = 30;
/** How far the measured failure rate may be from (N−1)/N over 30 requests. */
const TOLERANCE = 0.15;

/**
 * d. Sessions in each process's own memory (one auth per replica, each replica asking its own):
 * a login lands on one of N, so about (N−1)/N of requests through the gateway fail. The shared
 * store fixes it.
 */
export const unsyncedFarm: Scenario = {
  id: 'unsynced-farm',
  title: 'unsynced farm',
  async run({ farm, controls, http, step }: ScenarioContext): Promise<Row[]> {
    const original = controls.state().sessionStore;
    const shared: SessionStoreKind = original === 'memory' ? 'redis' : original;

    step('restarting auth and replicas with sessions in per-process memory…');
    const toMemory = await timed(() => controls.useSessionStore('memory'));
    const n = farm.replicas.length;
    let memory: { failed: number; sent: number; other: number[] };
    let back: number;
    try {
      step(
        `restarted in ${seconds(toMemory)} (${farm.auths.length} auths, each with its own ` +
          `sessions); ${USERS} users log in, ${REQUESTS} requests through the gateway…`,
      );
      memory = await failures(http, farm.gatewayUrl);
    } finally {
      step(`restarting auth and replicas with the shared store (${shared})…`);
      back = await timed(() => controls.useSessionStore(shared));
    }
    step(
      `restarted in ${seconds(back)}; ${USERS} users log in, ${REQUESTS} requests through the gateway…`,
    );
    const fixed = await failures(http, farm.gatewayUrl);

    const expected = (n - 1) / n;
    const rate = memory.failed / memory.sent;
    const others = (r: { other: number[] }) =>
      r.other.length > 0 ? ` (unexpected statuses: ${[...new Set(r.other)].join(', ')})` : '';
    return [
      {
        claim: 'unsynced farm: about (N−1)/N of requests fail with per-process memory',
        observed:
          `memory, N=${n}: ${memory.failed} of ${memory.sent} requests failed ` +
          `(${percent(memory.failed, memory.sent)}; (N−1)/N = ${percent(n - 1, n)})` +
          others(memory),
        asClaimed: Math.abs(rate - expected) <= TOLERANCE && memory.other.length === 0,
      },
      {
        claim: 'unsynced farm: the shared store fixes it',
        observed: `${shared}: ${fixed.failed} of ${fixed.sent} requests failed${others(fixed)}`,
        asClaimed: fixed.sent === REQUESTS && fixed.failed === 0,
      },
    ];
  },
};

/**
 * Logs USERS users in (session mode, through the gateway), then sends REQUESTS requests through
 * the gateway, the users in turn. A failure is a 401 (this replica's auth never saw the login);
 * any other non-200 status is kept apart, as it is no part of the claim.
 */
async function failures(
  http: Http,
  gatewayUrl: string,
): Promise<{ failed: number; sent: number; other: number[] }> {
  const devices: Device[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await registerUser(http, gatewayUrl);
    devices.push(await Device.login(http, gatewayUrl, user, 'session', `laptop ${i + 1}`));
  }
  let failed = 0;
  const other: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { status } = await devices[i % USERS].me();
    if (status === 401) failed++;
    else if (status !== 200) other.push(status);
  }
  return { failed, sent: REQUESTS, other };
}
