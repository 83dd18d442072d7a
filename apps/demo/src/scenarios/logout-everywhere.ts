import { Device, registerUser } from '../device.js';
import { ms, seconds, sleep, statusesEverywhere, untilRefused, type Refusal } from '../measure.js';
import type { Row, Scenario, ScenarioContext } from '../scenario.js';

/** The revocation bound of hybrid mode (docs/modes/hybrid.md): pushed to every replica. */
const HYBRID_BOUND_MS = 100;
/** How late after `exp` a JWT may still be accepted and count as "until exp": one poll or so. */
const EXP_SLACK_MS = 1_000;
const JWT_POLL_MS = 100;

/**
 * a. One user on three devices (a session laptop, a jwt phone, a hybrid tablet) logs out
 * everywhere from the phone; each device's credential is then asked for until it is refused.
 */
export const logoutEverywhere: Scenario = {
  id: 'logout-everywhere',
  title: 'log out everywhere',
  async run({ farm, http, step }: ScenarioContext): Promise<Row[]> {
    const gateway = farm.gatewayUrl;
    const replicas = farm.replicas.map((r) => r.url);
    step('one user logs in on a session laptop, a jwt phone and a hybrid tablet…');
    const user = await registerUser(http, gateway);
    const laptop = await Device.login(http, gateway, user, 'session', 'laptop');
    const phone = await Device.login(http, gateway, user, 'jwt', 'phone');
    const tablet = await Device.login(http, gateway, user, 'hybrid', 'tablet');
    for (const device of [laptop, phone, tablet]) {
      const statuses = await statusesEverywhere(device, replicas);
      if (statuses.some((s) => s !== 200)) {
        throw new Error(`${device.name} was not accepted everywhere before logout: ${statuses}`);
      }
    }

    step('the phone logs out everywhere; asking every replica until each refuses…');
    const logout = await phone.post('/auth/logout-all');
    if (logout.status !== 204) throw new Error(`logout-all answered ${logout.status}`);
    const since = performance.now();
    const loggedOutAt = Date.now();
    const [session, hybrid] = await Promise.all([
      untilRefused(laptop, replicas, since, 2_000),
      untilRefused(tablet, replicas, since, 2_000),
    ]);
    const refresh = await phone.refresh();

    const leewayMs = farm.config.env.JWT_LEEWAY * 1000;
    const expiresAt = phone.expiresAt + leewayMs;
    step(`the phone's jwt expires in ${seconds(expiresAt - Date.now())}: asking until refused…`);
    const jwt = await acceptedUntil(phone, expiresAt + 3_000);

    const refusedOn = (r: Refusal[]) => r.filter((x) => x.ms !== undefined).length;
    const slowest = (r: Refusal[]) => Math.max(...r.map((x) => x.ms ?? Infinity));
    const n = replicas.length;
    const untilExp = leewayMs > 0 ? `until exp + ${seconds(leewayMs)} leeway` : 'until exp';
    const jwtRefusedAfterExp = jwt.refusedAt === undefined ? NaN : jwt.refusedAt - expiresAt;
    return [
      {
        claim: 'log out everywhere: a session is refused on every replica at once',
        observed:
          `session: refused on ${refusedOn(session)}/${n} replicas within ` +
          `${ms(slowest(session))} of logout` +
          (session.every((r) => r.first) ? ' (the first request on each)' : ''),
        asClaimed: refusedOn(session) === n && session.every((r) => r.first),
      },
      {
        claim: `log out everywhere: hybrid refused on every replica within ${HYBRID_BOUND_MS} ms`,
        observed:
          `hybrid: refused on ${refusedOn(hybrid)}/${n} replicas within ` +
          `${ms(slowest(hybrid))} (bound ${HYBRID_BOUND_MS} ms)`,
        asClaimed: refusedOn(hybrid) === n && slowest(hybrid) <= HYBRID_BOUND_MS,
      },
      {
        claim: 'log out everywhere: a jwt is still accepted until it expires',
        observed:
          jwt.lastAcceptedAt === undefined
            ? `jwt: refused right after logout (expected: accepted ${untilExp})`
            : `jwt: accepted for ${seconds(jwt.lastAcceptedAt - loggedOutAt)} after logout, ` +
              `${untilExp}; refused ${seconds(jwtRefusedAfterExp)} after it` +
              ` (refresh: ${refresh.status} at once)`,
        asClaimed:
          refresh.status === 401 &&
          jwt.lastAcceptedAt !== undefined &&
          expiresAt - jwt.lastAcceptedAt <= EXP_SLACK_MS &&
          jwtRefusedAfterExp >= 0 &&
          jwtRefusedAfterExp <= EXP_SLACK_MS,
      },
    ];
  },
};

/** Asks through the gateway every JWT_POLL_MS until the token is refused (or `deadline`). */
async function acceptedUntil(
  device: Device,
  deadline: number,
): Promise<{ lastAcceptedAt?: number; refusedAt?: number }> {
  let lastAcceptedAt: number | undefined;
  while (Date.now() < deadline) {
    // Conservative both ways: accepted no later than it was sent, refused no earlier than answered.
    const sentAt = Date.now();
    const answer = await device.me();
    if (answer.status === 401) return { lastAcceptedAt, refusedAt: Date.now() };
    if (answer.status === 200) lastAcceptedAt = sentAt;
    await sleep(Math.max(0, sentAt + JWT_POLL_MS - Date.now()));
  }
  return { lastAcceptedAt };
}
