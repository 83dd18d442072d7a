import type { StoreName } from '@authfarm/farm';
import { Device, registerUser, type Answer } from '../device.js';
import { closedLoop, ms, percent, percentile, sleep } from '../measure.js';
import type { Row, Scenario, ScenarioContext } from '../scenario.js';

const OUTAGE_MS = 2_000;
/**
 * "Fast": the median session request answers 503 within this while the store is away, and none
 * waits out the store's command timeout (docs/reliability.md: "well under a second"). Not a
 * bound on the maximum: on a busy two-core machine any request (the JWT ones beside them alike)
 * now and then waits tens of ms for a CPU.
 */
const FAST_MS = 50;
const RECOVERY_TIMEOUT_MS = 15_000;

/**
 * b. The session store is cut for the whole farm: session traffic should answer 503 fast, JWT
 * traffic not notice; once it is back, session traffic recovers with no process restarted.
 */
export const storeOutage: Scenario = {
  id: 'store-outage',
  title: 'store outage',
  async run({ farm, controls, http, step }: ScenarioContext): Promise<Row[]> {
    const store = controls.state().sessionStore as StoreName;
    const name = store === 'redis' ? 'Redis' : 'Postgres';
    const user = await registerUser(http, farm.gatewayUrl);
    const laptop = await Device.login(http, farm.gatewayUrl, user, 'session', 'laptop');
    const phone = await Device.login(http, farm.gatewayUrl, user, 'jwt', 'phone');
    for (const device of [laptop, phone]) {
      const answer = await device.me();
      if (answer.status !== 200) throw new Error(`${device.name} answered ${answer.status}`);
    }
    const pids = farm.replicas.map((r) => r.child.pid);

    step(`cutting ${name} (the session store) for the whole farm…`);
    await controls.setStore(store, false);
    let session: Answer[];
    let jwt: Answer[];
    try {
      step(`${name} is down: session and jwt traffic for ${OUTAGE_MS / 1000} s…`);
      const sessionLoop = closedLoop(2, () => laptop.me());
      const jwtLoop = closedLoop(2, () => phone.me());
      await sleep(OUTAGE_MS);
      [session, jwt] = await Promise.all([sessionLoop.stop(), jwtLoop.stop()]);
    } finally {
      step(`restoring ${name}…`);
      await controls.setStore(store, true);
    }
    const restoredAt = performance.now();
    const recovered = await untilEveryReplicaAccepts(
      laptop,
      farm.replicas.map((r) => r.url),
      restoredAt,
    );
    const login = await Device.login(http, farm.gatewayUrl, user, 'session').then(
      () => true,
      () => false,
    );
    const restarted = farm.replicas.filter((r, i) => r.child.pid !== pids[i]).length;

    const unavailable = session.filter(
      (a) => a.status === 503 && a.body.error === 'SESSION_STORE_UNAVAILABLE',
    );
    const latencies = session.map((a) => a.ms);
    const p99 = percentile(latencies, 99);
    const timeoutMs = farm.config.env.STORE_TIMEOUT_MS;
    const slowest = Math.max(...latencies);
    const jwtSlowest = Math.max(...jwt.map((a) => a.ms));
    const jwtFailed = jwt.filter((a) => a.status !== 200).length;
    return [
      {
        claim:
          'store outage: session answers 503 fast, never waiting out the store; jwt unaffected',
        observed:
          `${name} down: session ${percent(unavailable.length, session.length)} 503 ` +
          `(${session.length} requests: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(p99)}, ` +
          `max ${ms(slowest)}; store timeout ${timeoutMs} ms; jwt alongside: max ` +
          `${ms(jwtSlowest)}), jwt ${percent(jwtFailed, jwt.length)} failed (${jwtFailed} of ${jwt.length})`,
        asClaimed:
          session.length > 0 &&
          unavailable.length === session.length &&
          percentile(latencies, 50) < FAST_MS &&
          slowest < timeoutMs &&
          jwt.length > 0 &&
          jwtFailed === 0,
      },
      {
        claim: 'store outage: session traffic recovers without a restart',
        observed:
          recovered === undefined
            ? `restored: session still refused after ${RECOVERY_TIMEOUT_MS / 1000} s`
            : `restored: session answers 200 on every replica again after ${ms(recovered)}, ` +
              `${login ? 'logins work' : 'logins fail'}, ` +
              `${restarted === 0 ? 'no restart' : `${restarted} replicas restarted`}`,
        asClaimed: recovered !== undefined && login && restarted === 0,
      },
    ];
  },
};

/** ms from `since` until every replica has answered the device 200, or undefined on timeout. */
async function untilEveryReplicaAccepts(
  device: Device,
  replicaUrls: string[],
  since: number,
): Promise<number | undefined> {
  const each = await Promise.all(
    replicaUrls.map(async (url) => {
      while (performance.now() - since < RECOVERY_TIMEOUT_MS) {
        if ((await device.me(url)).status === 200) return performance.now() - since;
        await sleep(10);
      }
      return undefined;
    }),
  );
  return each.some((x) => x === undefined) ? undefined : Math.max(...(each as number[]));
}
