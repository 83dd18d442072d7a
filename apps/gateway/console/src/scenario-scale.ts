import { compareNames, countBy } from './measure.js';
import { control, loginFresh, NotMeasured, withTraffic, type Scenario } from './scenario-kit.js';
import { now, sleep } from './time.js';

/** The farm's own bound on replicas (POST /console/api/replicas takes 1-8). */
const MAX_REPLICAS = 8;

/**
 * With both devices sending traffic, adds a replica and then removes it again (or the other way
 * round at the maximum); the gateway drains a replica before it stops, so no request fails.
 */
export const scale: Scenario = {
  id: 'scale',
  title: 'Scale',
  button: 'Run: scale',
  claim:
    'Adding or removing a replica changes how requests spread, and no request fails while it happens.',
  needsControls: true,
  async run(context) {
    const { laptop, phone } = context.devices;
    const before = await control('reading the farm', () => context.controls.farm());
    const n = before.replicas.length;
    if (n === 0) throw new NotMeasured('the farm reports no replicas');
    const step = n < MAX_REPLICAS ? n + 1 : n - 1;
    context.progress('logging in: laptop with session, phone with jwt…');
    await loginFresh(laptop, 'session');
    await loginFresh(phone, 'jwt');
    return withTraffic([laptop, phone], 10, async () => {
      const startedAt = now();
      await sleep(1500);
      context.progress(`scaling ${n} → ${step} replicas with traffic running…`);
      const middle = await control(`scaling to ${step}`, () => context.controls.setReplicas(step));
      const stepAt = now();
      await sleep(2500);
      const stepEndedAt = now();
      context.progress(`scaling ${step} → ${n} replicas with traffic running…`);
      const after = await control(`scaling back to ${n}`, () =>
        context.controls.setReplicas(n),
      ).finally(() => sleep(1500));
      const endedAt = now();
      // Let the last paced requests land before reading them back.
      await sleep(300);
      const results = [
        ...(await laptop.call('results', { since: startedAt })),
        ...(await phone.call('results', { since: startedAt })),
      ].filter((r) => r.sent <= endedAt);
      const failed = results.filter((r) => r.status !== 200).length;
      const spread = countBy(
        results.filter((r) => r.sent >= stepAt && r.sent <= stepEndedAt && r.replica),
        (r) => r.replica ?? '',
      );
      const spreadText = [...spread.entries()]
        .sort(([a], [b]) => compareNames(a, b))
        .map(([replica, count]) => `${replica} ${count}`)
        .join(', ');
      const counts = [n, middle.replicas.length, after.replicas.length];
      return {
        lines: [
          `${counts.join(' → ')} replicas, ${failed} failed requests of ${results.length}`,
          `spread while ${middle.replicas.length} ran: ${spreadText || 'no requests'}`,
        ],
        asClaimed: failed === 0 && results.length > 0 && counts[1] === step && counts[2] === n,
      };
    });
  },
};
