/** One resource replica as the gateway sees it. */
export interface Lane {
  origin: string;
  name?: string | null;
  healthy: boolean;
  inflight: number;
  /** Measured by the gateway from the replica's own counter, while someone watches. */
  roundTripsPerRequest?: number | null;
}

export interface FarmEvent {
  lanes: Lane[];
  auth: Array<{ origin: string; healthy: boolean }>;
  /** Request events the gateway dropped because this watcher fell behind. */
  dropped?: number;
}

/** One request the gateway proxied while someone watched. */
export interface RequestEvent {
  at: number;
  device: 'laptop' | 'phone' | null;
  route: 'api' | 'auth';
  method: string;
  path: string;
  lane: string | null;
  kind: 'session' | 'bearer' | 'none';
  status: number;
  ms: number;
  storeRoundTrips: number | null;
}

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedHandlers {
  farm(event: FarmEvent): void;
  request(event: RequestEvent): void;
  status(status: FeedStatus): void;
}

/**
 * Subscribes to the gateway's live feed (`GET /console/events`, server-sent events). The
 * browser's EventSource reconnects by itself; the status says when it is away.
 */
export function connectFeed(url: string, handlers: FeedHandlers): () => void {
  const source = new EventSource(url);
  handlers.status('connecting');
  source.addEventListener('open', () => handlers.status('live'));
  source.addEventListener('error', () =>
    handlers.status(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  source.addEventListener('farm', (event) => {
    const data = parse(event);
    if (isFarmEvent(data)) handlers.farm(data);
  });
  source.addEventListener('request', (event) => {
    const data = parse(event);
    if (isRequestEvent(data)) handlers.request(data);
  });
  return () => source.close();
}

function parse(event: Event): unknown {
  if (!(event instanceof MessageEvent) || typeof event.data !== 'string') return null;
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isFarmEvent(value: unknown): value is FarmEvent {
  return (
    isRecord(value) &&
    Array.isArray(value.lanes) &&
    value.lanes.every((lane) => isRecord(lane) && typeof lane.origin === 'string') &&
    Array.isArray(value.auth)
  );
}

function isRequestEvent(value: unknown): value is RequestEvent {
  return (
    isRecord(value) &&
    typeof value.status === 'number' &&
    typeof value.ms === 'number' &&
    (value.lane === null || typeof value.lane === 'string')
  );
}
