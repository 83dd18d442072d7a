import type { DeviceLink } from './device-link.js';
import type { DeviceName, Mode } from './messages.js';
import {
  describeReach,
  leewayMs,
  loginFresh,
  measureReach,
  NotMeasured,
  perReplica,
  refusedOnAll,
  warmUp,
  withTraffic,
  type Outcome,
  type Replicas,
  type Scenario,
  type ScenarioContext,
} from './scenario-kit.js';
import { formatMs, now, sleep } from './time.js';

/** The propagation bound for hybrid revocation (docs/modes/hybrid.md). */
const HYBRID_BOUND_MS = 100;
/** How long the scenario watches a JWT outlive its logout before it stops waiting for exp. */
const MAX_JWT_WATCH_MS = 45_000;

/**
 * Both devices log in as the same user and send traffic; one presses "log out everywhere". The
 * press comes from a token device when there is one: a session device's own logout answer
 * clears its cookie, and a device with no cookie proves nothing about the server.
 */
export const logoutEverywhere: Scenario = {
  id: 'logout-everywhere',
  title: 'Log out everywhere',
  button: 'Run: log out everywhere',
  claim: `After "log out everywhere", a session is refused on every replica at once and a hybrid token within ${HYBRID_BOUND_MS} ms; a JWT is still accepted until its exp, then refused.`,
  needsControls: false,
  async run(context) {
    const { laptop, phone } = context.devices;
    const modes: Record<DeviceName, Mode> = {
      laptop: (await laptop.call('state', {})).selectedMode,
      phone: (await phone.call('state', {})).selectedMode,
    };
    context.progress(`logging both devices in (laptop: ${modes.laptop}, phone: ${modes.phone})…`);
    await loginFresh(laptop, modes.laptop);
    const phoneState = await loginFresh(phone, modes.phone);
    const laptopState = await laptop.call('state', {});
    const issuer = modes.phone !== 'session' || modes.laptop === 'session' ? phone : laptop;
    const replicas = await context.replicas();
    return withTraffic([laptop, phone], 4, async () => {
      await sleep(1000);
      await warmUp([laptop, phone], replicas);
      context.progress(`the ${issuer.name} presses "log out everywhere"…`);
      const answer = await issuer.call('logoutAll', {});
      if (answer.status !== 204) {
        throw new NotMeasured(`log out everywhere answered ${answer.status} ${answer.error ?? ''}`);
      }
      const endedAt = answer.at;
      const lines: string[] = [];
      let asClaimed = true;
      // Both devices are measured at once: measuring one after the other would add the first
      // one's time to the second one's time to refusal.
      context.progress('measuring when each replica refuses the ended credentials…');
      const measured = await Promise.all(
        [laptop, phone].map((link) => {
          const mode = modes[link.name];
          if (mode === 'jwt') return null;
          if (mode === 'session' && link === issuer) {
            return {
              lines: [
                `session (${link.name}): its own logout answer cleared its cookie; not measured`,
              ],
              asClaimed: true,
            };
          }
          return refusal(link, mode, endedAt, replicas);
        }),
      );
      for (const outcome of measured) {
        if (!outcome) continue;
        lines.push(...outcome.lines);
        asClaimed &&= outcome.asClaimed;
      }
      const tokens = { laptop: laptopState.token, phone: phoneState.token };
      for (const link of [laptop, phone]) {
        if (modes[link.name] !== 'jwt') continue;
        const exp = tokens[link.name]?.exp ?? null;
        const outcome = await untilExp(context, link, endedAt, exp);
        lines.push(outcome.line);
        asClaimed &&= outcome.asClaimed;
      }
      return { lines, asClaimed };
    });
  },
};

async function refusal(
  link: DeviceLink,
  mode: Mode,
  endedAt: number,
  replicas: Replicas,
): Promise<Outcome> {
  const reach = await measureReach(link, endedAt, replicas, 3000);
  const everywhere = refusedOnAll(reach, replicas);
  const neverBack = reach.every((r) => r.acceptedAfter === 0);
  const acceptedAfterLogout = reach.reduce((sum, r) => sum + r.acceptedBefore + r.acceptedAfter, 0);
  // Hybrid: the claim is that a request sent 100 ms or more after the logout is refused, on
  // every replica. Judged by when accepted requests were sent, not by when the first refusal
  // came back, so the browser's own delay in asking cannot fail the claim.
  const lastAccepted = Math.max(-Infinity, ...reach.map((r) => r.lastAcceptedSentMs ?? -Infinity));
  const asClaimed =
    mode === 'session'
      ? everywhere && neverBack && acceptedAfterLogout === 0
      : everywhere && neverBack && lastAccepted < HYBRID_BOUND_MS;
  const accepted =
    acceptedAfterLogout === 0
      ? 'none accepted after the logout'
      : `${acceptedAfterLogout} accepted after it, the last sent ${formatMs(lastAccepted)} after it`;
  return {
    lines: [
      `${mode}: ${describeReach(reach, replicas, 'logout')} (${link.name}; ${accepted})`,
      `${mode} per replica: ${perReplica(reach)}`,
    ],
    asClaimed,
  };
}

/** Keeps sending the JWT device's token until a replica refuses it, or the watch ends. */
async function untilExp(
  context: ScenarioContext,
  link: DeviceLink,
  endedAt: number,
  exp: number | null,
): Promise<{ line: string; asClaimed: boolean }> {
  if (exp === null) return { line: `jwt (${link.name}): the token has no exp`, asClaimed: false };
  const expMs = exp * 1000;
  const deadline = Math.min(
    expMs + leewayMs(context.controls.farmState) + 3000,
    endedAt + MAX_JWT_WATCH_MS,
  );
  let refusedAt: number | null = null;
  let lastSay = 0;
  while (refusedAt === null && now() < deadline) {
    const [result] = await link.call('burst', { count: 1 });
    if (result && result.status !== 200) refusedAt = result.sent;
    if (now() - lastSay > 2000) {
      lastSay = now();
      const left = expMs - now();
      context.progress(
        left > 0
          ? `the ${link.name}'s JWT is still accepted after logout; exp in ${(left / 1000).toFixed(0)} s…`
          : `the ${link.name}'s JWT passed exp ${(-left / 1000).toFixed(0)} s ago; waiting for a refusal…`,
      );
    }
    await sleep(200);
  }
  const results = (await link.call('results', { since: endedAt })).sort((a, b) => a.at - b.at);
  const firstRefusal = results.find((r) => r.status !== 200);
  const accepted = results.filter(
    (r) => r.status === 200 && (!firstRefusal || r.at < firstRefusal.at),
  );
  const lastAccepted = accepted.at(-1);
  const acceptedFor = lastAccepted ? formatMs(lastAccepted.at - endedAt) : '0 ms';
  const counted = `${link.name}, ${accepted.length} accepted requests`;
  if (!firstRefusal) {
    return {
      line: `jwt: accepted for ${acceptedFor} after logout, every request (${counted}); exp is ${formatMs(expMs - now())} away, so the scenario stopped watching. Start the farm with JWT_TTL=10 to see it run out.`,
      asClaimed: now() < expMs,
    };
  }
  const refusal = `${firstRefusal.status} ${firstRefusal.error ?? ''}`.trim();
  const pastExp = firstRefusal.sent - expMs;
  if (pastExp < -250) {
    return {
      line: `jwt: refused ${formatMs(-pastExp)} before exp (${refusal}), after ${acceptedFor} (${counted})`,
      asClaimed: false,
    };
  }
  const until =
    pastExp < 1000
      ? 'until exp'
      : `until ${formatMs(pastExp)} past exp (the replicas' clock leeway)`;
  return {
    line: `jwt: accepted for ${acceptedFor} after logout, ${until}; then ${refusal} (${counted})`,
    asClaimed: firstRefusal.status === 401,
  };
}
