import { shortKid } from './jwt-decode.js';
import {
  control,
  describeReach,
  loginFresh,
  measureReach,
  NotMeasured,
  perReplica,
  refusedOnAll,
  warmUp,
  withTraffic,
  type Scenario,
} from './scenario-kit.js';
import { now, sleep } from './time.js';

const REACH_TIMEOUT_MS = 10_000;

/**
 * The laptop gets a JWT signed with key A; the key is rotated and the phone gets one signed
 * with key B; A is revoked as if it had leaked. Tokens signed with A must be refused on every
 * replica, and B's must keep working.
 */
export const leakedKey: Scenario = {
  id: 'leaked-key',
  title: 'Leaked signing key',
  button: 'Run: leaked signing key',
  claim:
    'After the old signing key is rotated out and revoked, tokens it signed are refused on every replica; tokens signed with the new key keep working.',
  needsControls: true,
  async run(context) {
    const { laptop, phone } = context.devices;
    context.progress('laptop logs in with jwt…');
    const kidA = (await loginFresh(laptop, 'jwt')).token?.kid ?? null;
    if (!kidA) throw new NotMeasured('the laptop’s token has no kid');
    context.progress(`rotating the signing key (laptop's token is signed with ${shortKid(kidA)})…`);
    await control('rotating the key', () => context.controls.rotateKey());
    context.progress('phone logs in with jwt…');
    const kidB = (await loginFresh(phone, 'jwt')).token?.kid ?? null;
    if (!kidB || kidB === kidA) {
      return {
        lines: [
          `the rotation did not change the signing key: the phone's token is signed with ${shortKid(kidB)}`,
        ],
        asClaimed: false,
      };
    }
    const replicas = await context.replicas();
    return withTraffic([laptop, phone], 4, async () => {
      await sleep(1000);
      await warmUp([laptop], replicas);
      context.progress(`revoking ${shortKid(kidA)} as leaked…`);
      await control(`revoking ${shortKid(kidA)}`, () => context.controls.revokeKey(kidA));
      const revokedAt = now();
      context.progress('measuring when each replica refuses tokens signed with the old key…');
      const reach = await measureReach(laptop, revokedAt, replicas, REACH_TIMEOUT_MS);
      await phone.call('burst', { count: 3 * Math.max(1, replicas.count) });
      const kept = await phone.call('results', { since: revokedAt });
      const failed = kept.filter((r) => r.status !== 200).length;
      const everywhere = refusedOnAll(reach, replicas);
      return {
        lines: [
          `tokens signed with ${shortKid(kidA)}: ${describeReach(reach, replicas, 'the revocation')} (laptop)`,
          `per replica: ${perReplica(reach)}`,
          `tokens signed with ${shortKid(kidB)} keep working: ${kept.length - failed} of ${kept.length} accepted (phone)`,
        ],
        asClaimed:
          everywhere &&
          reach.every((r) => r.acceptedAfter === 0) &&
          kept.length > 0 &&
          failed === 0,
      };
    });
  },
};
