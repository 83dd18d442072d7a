import type { StoreName } from './controls-client.js';
import type { DeviceLink } from './device-link.js';
import { median, percent } from './measure.js';
import type { MeResult } from './messages.js';
import { control, loginFresh, NotMeasured, withTraffic, type Scenario } from './scenario-kit.js';
import { formatMs, now, sleep } from './time.js';

const OUTAGE_MS = 3000;
/** "Fast": a median 503 well inside the store client's 500 ms command timeout. */
const FAST_MS = 100;
const RECOVERY_TIMEOUT_MS = 15_000;

/**
 * Cuts the session store for the whole farm while the laptop (session) and the phone (jwt)
 * send traffic, then restores it and times how long session traffic takes to come back.
 */
export const storeOutage: Scenario = {
  id: 'store-outage',
  title: 'Store outage',
  button: 'Run: store outage',
  claim: `With the session store down, session requests answer 503 fast (median under ${FAST_MS} ms) and JWT requests do not notice; when the store is back, sessions work again without a restart.`,
  needsControls: true,
  async run(context) {
    const { laptop, phone } = context.devices;
    const farm = await control('reading the farm', () => context.controls.farm());
    if (farm.sessionStore === 'memory') {
      throw new NotMeasured(
        'sessions are kept in memory, so there is no shared store to cut (see the unsynced farm)',
      );
    }
    const store: StoreName = farm.sessionStore;
    context.progress('logging in: laptop with session, phone with jwt…');
    await loginFresh(laptop, 'session');
    await loginFresh(phone, 'jwt');
    return withTraffic([laptop, phone], 10, async () => {
      await sleep(1000);
      context.progress(`cutting ${store} for the whole farm…`);
      await control(`cutting ${store}`, () => context.controls.setStore(store, false));
      const cutAt = now();
      let restoredAt = cutAt;
      try {
        for (let left = OUTAGE_MS; left > 0; left -= 1000) {
          context.progress(`${store} is down; traffic keeps running (${left / 1000} s left)…`);
          await sleep(1000);
        }
      } finally {
        context.progress(`restoring ${store}…`);
        await control(`restoring ${store}`, () => context.controls.setStore(store, true));
        restoredAt = now();
      }
      const during = (results: MeResult[]) =>
        results.filter((r) => r.sent >= cutAt && r.at <= restoredAt);
      const sessions = during(await laptop.call('results', { since: cutAt }));
      const tokens = during(await phone.call('results', { since: cutAt }));
      context.progress('waiting for session traffic to be served again…');
      const recoveredAt = await firstSuccess(laptop, restoredAt);

      const unavailable = sessions.filter((r) => r.status === 503);
      const fast = median(unavailable.map((r) => r.ms));
      const failedTokens = tokens.filter((r) => r.status !== 200).length;
      const lines = [
        `session: ${percent(unavailable.length, sessions.length)} 503 (${unavailable.length} of ${sessions.length}), median answer ${fast === null ? 'n/a' : formatMs(fast)}`,
        `jwt: ${percent(failedTokens, tokens.length)} failed (${tokens.length - failedTokens} of ${tokens.length} accepted)`,
        recoveredAt === null
          ? `session: not served again within ${formatMs(RECOVERY_TIMEOUT_MS)} of ${store} coming back`
          : `session recovered after ${formatMs(recoveredAt - restoredAt)} without a restart`,
      ];
      const asClaimed =
        sessions.length > 0 &&
        unavailable.length / sessions.length >= 0.9 &&
        fast !== null &&
        fast < FAST_MS &&
        tokens.length > 0 &&
        failedTokens === 0 &&
        recoveredAt !== null;
      return { lines, asClaimed };
    });
  },
};

/** Asks every 100 ms until /api/me answers 200; the answer's time, or null at the timeout. */
async function firstSuccess(link: DeviceLink, since: number): Promise<number | null> {
  while (now() - since < RECOVERY_TIMEOUT_MS) {
    const [result] = await link.call('burst', { count: 1 });
    if (result?.status === 200) {
      const all = await link.call('results', { since });
      return Math.min(...all.filter((r) => r.status === 200).map((r) => r.at));
    }
    await sleep(100);
  }
  return null;
}
