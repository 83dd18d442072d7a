import { h } from './dom.js';
import { LaneView } from './farm-lane.js';
import type { FarmEvent, FeedStatus, Lane, RequestEvent } from './feed.js';
import { compareNames } from './measure.js';

const GATEWAY = 'gateway';

/** What the farm controls report: names for the feed's origins, and the stores. */
export interface ControlsView {
  sessionStore: string;
  stores: Array<{ name: string; up: boolean }>;
  auths: Array<{ name: string; url: string }>;
  replicas: Array<{ name: string; url: string }>;
}

const FEED_TEXT: Record<FeedStatus, string> = {
  connecting: 'Connecting to the live feed…',
  live: 'Live feed connected.',
  reconnecting: 'Feed disconnected; reconnecting…',
  closed: 'Feed disconnected.',
};

/** "The farm": a lane per replica, the auth service, the stores, every request as it lands. */
export class FarmView {
  private readonly lanes = new Map<string, LaneView>();
  private readonly auths = new Map<string, LaneView>();
  private readonly dirty = new Set<LaneView>();
  private gateway: LaneView | undefined;
  private stores: ControlsView | null = null;
  private lastFarm: FarmEvent | null = null;
  private status: FeedStatus = 'connecting';

  constructor(
    private readonly lanesList: HTMLOListElement,
    private readonly servicesList: HTMLUListElement,
    private readonly storesList: HTMLUListElement,
    private readonly feedStatus: HTMLElement,
  ) {
    this.renderStores();
  }

  setFeedStatus(status: FeedStatus): void {
    this.status = status;
    const dropped = this.lastFarm?.dropped ?? 0;
    this.feedStatus.textContent =
      FEED_TEXT[status] +
      (status === 'live' && dropped > 0 ? ` ${dropped} request events dropped under load.` : '');
    this.feedStatus.dataset.status = status;
  }

  /** Names of the replicas the feed lists (healthy or not), where a name is known. */
  replicaNames(): string[] {
    return [...this.lanes.keys()]
      .map((origin) => this.replicaName(origin))
      .filter((name): name is string => name !== null);
  }

  laneCount(): number {
    return this.lanes.size;
  }

  updateFarm(event: FarmEvent): void {
    this.lastFarm = event;
    const seen = new Set<string>();
    for (const lane of event.lanes) {
      seen.add(lane.origin);
      const view = this.laneFor(lane.origin, lane);
      const name = lane.name ?? this.replicaName(lane.origin);
      if (name) view.rename(name);
      view.setHealth(lane.healthy, undefined, lane.inflight, lane.roundTripsPerRequest);
    }
    for (const [origin, view] of this.lanes) {
      if (!seen.has(origin)) {
        view.root.remove();
        this.lanes.delete(origin);
      }
    }
    const sorted = [...this.lanes.values()].sort((a, b) => compareNames(a.name, b.name));
    for (const view of sorted) this.lanesList.append(view.root);
    const authSeen = new Set<string>();
    for (const auth of event.auth) {
      authSeen.add(auth.origin);
      this.authFor(auth.origin).setHealth(auth.healthy);
    }
    for (const [origin, view] of this.auths) {
      if (!authSeen.has(origin)) {
        view.root.remove();
        this.auths.delete(origin);
      }
    }
    if (event.dropped) this.setFeedStatus(this.status);
  }

  /**
   * Records a request at once and draws it at the next animation frame, all lanes together:
   * the devices share this page's main thread, so drawing each mark as its event arrives would
   * delay their own requests' answers and inflate what the scenarios measure.
   */
  addRequest(event: RequestEvent): void {
    const lane =
      event.lane === null
        ? this.gatewayLane()
        : event.route === 'auth'
          ? this.authFor(event.lane)
          : this.laneFor(event.lane);
    lane.record(event);
    this.dirty.add(lane);
    if (this.dirty.size === 1) requestAnimationFrame(() => this.render());
  }

  private render(): void {
    for (const lane of this.dirty) lane.render();
    this.dirty.clear();
  }

  /** Stores and auth names from the farm controls; null when the controls are off. */
  setStores(stores: ControlsView | null): void {
    this.stores = stores;
    this.renderStores();
    for (const [origin, view] of this.auths) {
      const named = stores?.auths.find((auth) => originOf(auth.url) === origin);
      if (named) view.rename(named.name);
    }
    if (this.lastFarm) this.updateFarm(this.lastFarm);
  }

  private replicaName(origin: string): string | null {
    const lane = this.lastFarm?.lanes.find((l) => l.origin === origin);
    if (lane?.name) return lane.name;
    return this.stores?.replicas.find((r) => originOf(r.url) === origin)?.name ?? null;
  }

  private laneFor(origin: string, lane?: Lane): LaneView {
    let view = this.lanes.get(origin);
    if (!view) {
      const name = lane?.name ?? this.replicaName(origin) ?? hostOf(origin);
      view = new LaneView(origin, name, 'replica');
      this.lanes.set(origin, view);
      this.lanesList.append(view.root);
    }
    return view;
  }

  private authFor(origin: string): LaneView {
    let view = this.auths.get(origin);
    if (!view) {
      const named = this.stores?.auths.find((auth) => originOf(auth.url) === origin);
      view = new LaneView(origin, named?.name ?? `auth ${portOf(origin)}`, 'auth');
      this.auths.set(origin, view);
      this.servicesList.append(view.root);
    }
    return view;
  }

  private gatewayLane(): LaneView {
    this.gateway ??= new LaneView(GATEWAY, 'gateway (no replica)', 'gateway');
    this.servicesList.append(this.gateway.root);
    return this.gateway;
  }

  private renderStores(): void {
    if (!this.stores) {
      this.storesList.replaceChildren(
        h(
          'li',
          { class: 'store' },
          'Stores: not reported (only the farm controls report them, and they are not available).',
        ),
      );
      return;
    }
    const sessionStore = this.stores.sessionStore;
    const rows = this.stores.stores.map((store) =>
      h(
        'li',
        { class: 'store', 'data-store': store.name, 'data-healthy': String(store.up) },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'lane-name' }, store.name),
        h('span', { class: 'lane-health' }, store.up ? 'up' : 'down (cut)'),
        store.name === sessionStore
          ? h('span', { class: 'muted small' }, 'holds the sessions')
          : null,
      ),
    );
    if (sessionStore === 'memory') {
      rows.push(
        h(
          'li',
          { class: 'store', 'data-store': 'memory', 'data-healthy': 'true' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('span', { class: 'lane-name' }, 'memory'),
          h('span', { class: 'muted small' }, 'sessions kept in each auth replica: not shared'),
        ),
      );
    }
    this.storesList.replaceChildren(...rows);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
}

/** ":40000" for a loopback origin, else the host: short enough for a lane's title. */
function portOf(origin: string): string {
  try {
    const url = new URL(origin);
    return url.port ? `:${url.port}` : url.host;
  } catch {
    return origin;
  }
}
