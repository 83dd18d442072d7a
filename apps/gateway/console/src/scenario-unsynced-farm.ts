import type { SessionStoreKind } from './controls-client.js';
import type { DeviceLink } from './device-link.js';
import {
  control,
  loginFresh,
  withTraffic,
  type Scenario,
  type ScenarioContext,
} from './scenario-kit.js';
import { countBy } from './measure.js';
import { now, sleep } from './time.js';

const REQUESTS = 30;
/** Attempts, 250-500 ms apart, while a restarted farm warms up. */
const WARM_UP_TRIES = 20;
/** How far the failed share may be from (N−1)/N: 30 requests over a least-busy spread. */
const TOLERANCE = 0.2;

/**
 * Restarts the farm with sessions in each auth replica's memory: a login is then known to the
 * one replica pair that took it, and about (N−1)/N of the device's requests fail. Switching back
 * to the shared store fixes it.
 */
export const unsyncedFarm: Scenario = {
  id: 'unsynced-farm',
  title: 'Unsynced farm',
  button: 'Run: unsynced farm',
  claim:
    'With sessions kept in each replica’s own memory, a login is known to one replica only: about (N−1)/N of the requests fail. A shared store makes every replica accept it.',
  needsControls: true,
  async run(context) {
    const { laptop, phone } = context.devices;
    const original = (await control('reading the farm', () => context.controls.farm()))
      .sessionStore;
    const shared: SessionStoreKind = original === 'memory' ? 'redis' : original;
    // Traffic would only fail while processes restart; the scenario sends its own requests.
    return withTraffic([laptop, phone], 0, async () => {
      try {
        const memory = await switchTo(context, 'memory');
        const n = memory.replicas.length;
        const unsynced = await loginAndCount(context, laptop, 'memory');
        const expected = n > 0 ? (n - 1) / n : 0;
        const sharedFarm = await switchTo(context, shared);
        const synced = await loginAndCount(context, laptop, shared);
        const ratio = unsynced.failed / REQUESTS;
        const why = (detail: string) => (detail ? `: ${detail}` : '');
        return {
          lines: [
            `memory: ${unsynced.failed}/${REQUESTS} failed (expected ≈ ${Math.round(expected * REQUESTS)}/${REQUESTS}, (N−1)/N with N = ${n})${why(unsynced.detail)}`,
            `${shared}: ${synced.failed}/${REQUESTS} failed after logging in again (N = ${sharedFarm.replicas.length})${why(synced.detail)}`,
          ],
          asClaimed: Math.abs(ratio - expected) <= TOLERANCE && synced.failed === 0,
        };
      } finally {
        if (original === 'memory') await switchTo(context, 'memory').catch(() => null);
      }
    });
  },
};

async function switchTo(context: ScenarioContext, store: SessionStoreKind) {
  const started = now();
  const ticker = setInterval(
    () =>
      context.progress(
        `restarting auth and the replicas with the ${store} session store… ${((now() - started) / 1000).toFixed(0)} s`,
      ),
    1000,
  );
  context.progress(`restarting auth and the replicas with the ${store} session store…`);
  try {
    return await control(`switching the session store to ${store}`, () =>
      context.controls.useSessionStore(store),
    );
  } finally {
    clearInterval(ticker);
  }
}

/**
 * Logs the device in with a session (retrying while the restarted farm warms up), waits for one
 * answer of 200 so a replica still joining the pool is not counted, then sends the requests.
 */
async function loginAndCount(
  context: ScenarioContext,
  link: DeviceLink,
  store: SessionStoreKind,
): Promise<{ failed: number; detail: string }> {
  context.progress(`laptop logs in with a session (${store})…`);
  for (let attempt = 1; ; attempt++) {
    try {
      await loginFresh(link, 'session');
      break;
    } catch (error) {
      if (attempt >= WARM_UP_TRIES) throw error;
      await sleep(500);
    }
  }
  for (let attempt = 1; attempt <= WARM_UP_TRIES; attempt++) {
    const [result] = await link.call('burst', { count: 1 });
    if (result?.status === 200) break;
    await sleep(250);
  }
  context.progress(`laptop sends ${REQUESTS} requests (${store})…`);
  const results = await link.call('burst', { count: REQUESTS });
  const failures = results.filter((r) => r.status !== 200);
  const byStatus = countBy(failures, (r) => `${r.status} ${r.error ?? ''}`.trim());
  const detail = [...byStatus.entries()]
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ');
  return { failed: failures.length, detail };
}
