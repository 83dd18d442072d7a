import { Device, registerUser, type Answer } from '../device.js';
import { closedLoop, seconds, sleep, timed } from '../measure.js';
import type { Row, Scenario, ScenarioContext } from '../scenario.js';

/** How long the load runs at each size, so every size serves a share of it. */
const HOLD_MS = 1_000;

/**
 * e. A steady closed-loop load through the gateway (jwt) while a replica is added and then
 * removed (the gateway drains it first): no request may fail.
 */
export const scale: Scenario = {
  id: 'scale',
  title: 'scale',
  async run({ farm, controls, http, step }: ScenarioContext): Promise<Row[]> {
    const before = farm.replicas.length;
    const user = await registerUser(http, farm.gatewayUrl);
    const phone = await Device.login(http, farm.gatewayUrl, user, 'jwt', 'phone');
    // Closed loop, four at a time: some requests are always in flight when a replica goes.
    const load = closedLoop(4, async (): Promise<Answer> => {
      await phone.refreshIfDue(3_000);
      return phone.me();
    });
    let added: string;
    let up: number;
    let down: number;
    try {
      step(`a steady jwt load through the gateway; scaling ${before} → ${before + 1}…`);
      await sleep(HOLD_MS);
      up = await timed(() => controls.scale(before + 1));
      added = farm.replicas[before].name;
      await sleep(HOLD_MS);
      step(`scaling ${before + 1} → ${before} (the gateway drains ${added})…`);
      down = await timed(() => controls.scale(before));
      await sleep(HOLD_MS);
    } finally {
      await load.stop();
    }
    const answers = load.answers;
    const failed = answers.filter((a) => a.status !== 200);
    const byAdded = answers.filter((a) => a.servedBy === added).length;
    const statuses = [...new Set(failed.map((a) => a.status))].join(', ');
    return [
      {
        claim: 'scale: a replica added and removed under load, no failed request',
        observed:
          `${before} → ${before + 1} → ${farm.replicas.length} replicas ` +
          `(up in ${seconds(up)}, drained and down in ${seconds(down)}), ` +
          `${failed.length} of ${answers.length} requests failed` +
          (failed.length > 0 ? ` (statuses ${statuses})` : '') +
          `; ${added} served ${byAdded}`,
        asClaimed:
          failed.length === 0 &&
          byAdded > 0 &&
          farm.replicas.length === before &&
          answers.length > 0,
      },
    ];
  },
};
