import { Device, registerUser, type Http, type User } from '../device.js';
import { ms, seconds, sleep, statusesEverywhere, untilRefused } from '../measure.js';
import type { Row, Scenario, ScenarioContext } from '../scenario.js';

/** The push bound of a key revocation, the same as key-ring.spec.ts checks (docs/keys.md). */
const REVOKE_BOUND_MS = 500;

/**
 * c. A signing key leaked: rotate (new tokens get a new kid), then revoke the old kid. Tokens it
 * signed must be refused on every replica, tokens of the new key keep working.
 */
export const leakedKey: Scenario = {
  id: 'leaked-key',
  title: 'leaked signing key',
  async run({ farm, controls, http, step }: ScenarioContext): Promise<Row[]> {
    const replicas = farm.replicas.map((r) => r.url);
    const user = await registerUser(http, farm.gatewayUrl);
    const before = await Device.login(http, farm.gatewayUrl, user, 'jwt', 'old token');
    const leaked = before.kid;
    const accepted = await statusesEverywhere(before, replicas);
    if (accepted.some((s) => s !== 200)) throw new Error(`token A not accepted: ${accepted}`);

    step(`token A is signed by kid ${leaked}; rotating the signing keys…`);
    await controls.keys('rotate');
    const after = await loginWithAnotherKid(http, farm.gatewayUrl, user, leaked);

    step(`token B is signed by kid ${after.kid}; revoking kid ${leaked}…`);
    const started = performance.now();
    await controls.keys('revoke', leaked);
    const revokedAt = performance.now();
    const refusals = await untilRefused(before, replicas, revokedAt, 3_000);
    const fresh = await statusesEverywhere(after, replicas);

    const n = replicas.length;
    const refused = refusals.filter((r) => r.ms !== undefined).length;
    const reach = Math.max(...refusals.map((r) => r.ms ?? Infinity));
    const freshOk = fresh.filter((s) => s === 200).length;
    return [
      {
        claim: 'leaked key: a revoked kid is refused farm-wide, other keys keep working',
        observed:
          `kid ${leaked}: refused on ${refused}/${n} replicas ${ms(reach)} after revoke ` +
          `(the command took ${seconds(revokedAt - started)}; bound ${REVOKE_BOUND_MS} ms); ` +
          `tokens of the new key ${freshOk === n ? 'still accepted' : `accepted on ${freshOk}/${n}`}`,
        asClaimed: refused === n && reach <= REVOKE_BOUND_MS && freshOk === n,
      },
    ];
  },
};

/** Logs in until the token is signed by a kid other than `old` (the auth learns by push). */
async function loginWithAnotherKid(
  http: Http,
  gatewayUrl: string,
  user: User,
  old: string,
): Promise<Device> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const device = await Device.login(http, gatewayUrl, user, 'jwt', 'new token');
    if (device.kid !== old) return device;
    if (Date.now() > deadline) throw new Error(`still signing with kid ${old} 5 s after rotate`);
    await sleep(50);
  }
}
