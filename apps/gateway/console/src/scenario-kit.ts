import type { ControlsClient, FarmState } from './controls-client.js';
import type { DeviceLink } from './device-link.js';
import { reachOf, refusedEverywhere, slowestRefusal, type ReplicaReach } from './measure.js';
import type { DeviceName, DeviceState, Mode } from './messages.js';
import { formatMs, now, sleep } from './time.js';

export type ScenarioId =
  'logout-everywhere' | 'store-outage' | 'leaked-key' | 'unsynced-farm' | 'scale';

/**
 * The replicas a credential should reach: their names as `x-served-by` gives them, where known
 * (the live feed alone may not name them), and how many there are.
 */
export interface Replicas {
  names: readonly string[];
  count: number;
}

/** What a scenario measured: one line per observation, and whether it matched the claim. */
export interface Outcome {
  lines: string[];
  asClaimed: boolean;
}

export interface ScenarioContext {
  devices: Record<DeviceName, DeviceLink>;
  /** Settles once both devices have loaded and hold the demo user. */
  devicesReady(): Promise<void>;
  controls: ControlsClient;
  /** The resource replicas: from the controls when they answer, else from the live feed. */
  replicas(): Promise<Replicas>;
  progress(text: string): void;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The button's accessible name, e.g. "Run: store outage". */
  button: string;
  claim: string;
  /** Needs the farm controls (fault or scale): unavailable when they are off. */
  needsControls: boolean;
  run(context: ScenarioContext): Promise<Outcome>;
}

/** A scenario that could not make its measurement: shown as "not measured", never a verdict. */
export class NotMeasured extends Error {}

/** The replicas' clock leeway on exp: reported by the controls when they know it, else 5 s. */
export function leewayMs(farm: FarmState | null): number {
  return (farm?.jwtLeewaySeconds ?? 5) * 1000;
}

/** A fresh login, so every scenario starts from a credential with its full life ahead. */
export async function loginFresh(link: DeviceLink, mode: Mode): Promise<DeviceState> {
  const result = await link.call('login', { mode });
  if (result.status !== 200) {
    throw new NotMeasured(
      `the ${link.name} could not log in with ${mode}: ${result.status} ${result.error ?? ''}`.trim(),
    );
  }
  return result.state;
}

/** Runs `body` with both devices' traffic at `rate` requests/s, then puts their rates back. */
export async function withTraffic<T>(
  links: readonly DeviceLink[],
  rate: number,
  body: () => Promise<T>,
): Promise<T> {
  const before = await Promise.all(links.map((link) => link.call('state', {})));
  await Promise.all(links.map((link) => link.call('traffic', { rate })));
  try {
    return await body();
  } finally {
    await Promise.all(
      links.map((link, i) => link.call('traffic', { rate: before[i].rate }).catch(() => null)),
    );
  }
}

/**
 * One round of parallel requests per device before the measured moment, so the browser already
 * holds a connection for each request of the first measured round: a new connection's setup
 * would otherwise count as the replica's time to refusal.
 */
export async function warmUp(links: readonly DeviceLink[], replicas: Replicas): Promise<void> {
  const round = Math.max(1, replicas.count);
  await Promise.all(links.map((link) => link.call('burst', { count: round, concurrency: round })));
}

/**
 * Sends bursts from a device until every replica has refused its ended credential, or until
 * `timeoutMs`. The first burst is three rounds of one request per replica sent at once, so
 * each replica is hit right away and its time to refusal is one request's latency, not the
 * wait behind the others.
 */
export async function measureReach(
  link: DeviceLink,
  endedAt: number,
  replicas: Replicas,
  timeoutMs: number,
): Promise<ReplicaReach[]> {
  const round = Math.max(1, replicas.count);
  const deadline = endedAt + timeoutMs;
  await link.call('burst', { count: 3 * round, concurrency: round });
  for (;;) {
    const reach = reachOf(await link.call('results', { since: endedAt }), endedAt, replicas.names);
    if (refusedOnAll(reach, replicas) || now() > deadline) return reach;
    await link.call('burst', { count: round });
    await sleep(10);
  }
}

/** Every replica answered and refused: as many refusing replicas as the farm has. */
export function refusedOnAll(reach: readonly ReplicaReach[], replicas: Replicas): boolean {
  return refusedEverywhere(reach) && reach.length >= replicas.count;
}

/** "refused on 3/3 replicas within 4 ms", or which replica held out. */
export function describeReach(
  reach: readonly ReplicaReach[],
  replicas: Replicas,
  since: string,
): string {
  const refused = reach.filter((r) => r.firstRefusalMs !== null);
  const total = Math.max(reach.length, replicas.count);
  const holdouts = reach.filter((r) => r.firstRefusalMs === null).map((r) => r.replica);
  const flapped = reach.filter((r) => r.acceptedAfter > 0).map((r) => r.replica);
  return [
    `refused on ${refused.length}/${total} replicas within ${formatMs(slowestRefusal(reach))} of ${since}`,
    holdouts.length ? `; never refused on ${holdouts.join(', ')}` : '',
    reach.length < total ? `; ${total - reach.length} never answered` : '',
    flapped.length ? `; accepted again after refusing on ${flapped.join(', ')}` : '',
  ].join('');
}

/** "resource-1 2.1 ms, resource-2 3.0 ms". */
export function perReplica(reach: readonly ReplicaReach[]): string {
  return reach
    .map((r) => `${r.replica} ${r.firstRefusalMs === null ? 'never' : formatMs(r.firstRefusalMs)}`)
    .join(', ');
}

/** The farm controls' answer, or NotMeasured with the farm's reason. */
export async function control<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const reason =
      error instanceof Error && 'describe' in error && typeof error.describe === 'function'
        ? String(error.describe())
        : String(error);
    throw new NotMeasured(`${what} failed: ${reason}`);
  }
}
