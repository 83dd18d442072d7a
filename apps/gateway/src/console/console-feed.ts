import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import type { UpstreamPool } from '../upstreams/upstream-pool.js';

/** One proxied request as the console shows it. Never a credential: only its kind. */
export interface FeedRequest {
  at: number;
  device: 'laptop' | 'phone' | null;
  route: string;
  method: string;
  path: string;
  lane: string | null;
  kind: 'session' | 'bearer' | 'none';
  status: number;
  ms: number;
  /** By the mode's contract (session: one, tokens: none), on the replicas' route only. */
  storeRoundTrips: number | null;
}

export interface FeedLimits {
  maxWatchers: number;
}

/** A watcher that is this far behind gets no more events until it catches up (a slow client). */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Events are written in batches, at most this often: one write per watcher per tick. */
const FLUSH_MS = 50;
/** Events kept for one tick at most; beyond, they are counted as dropped. */
const MAX_PENDING = 2000;
const SNAPSHOT_MS = 1000;
const HEARTBEAT_MS = 15_000;
/** A replica's /metrics that takes longer is left out of that second's figure. */
const SCRAPE_TIMEOUT_MS = 500;
const ROUND_TRIPS = 'authfarm_store_round_trips_total{';

/**
 * The console's live feed (server-sent events): every request the gateway proxies, and once a
 * second the members it proxies to. It costs nothing while nobody watches: `watching` is false,
 * so the proxy builds no event, and the timers stop with the last watcher.
 */
export class ConsoleFeed {
  private readonly watchers = new Set<ServerResponse>();
  private pending: string[] = [];
  private dropped = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Per lane: requests proxied to it, and its own round-trip counter, at the last snapshot. */
  private readonly sent = new Map<string, number>();
  private readonly measured = new Map<string, { sent: number; roundTrips: number }>();
  private readonly perRequest = new Map<string, number | null>();

  constructor(
    private readonly pools: { auth: UpstreamPool; resource: UpstreamPool },
    private readonly limits: FeedLimits,
  ) {}

  get watching(): boolean {
    return this.watchers.size > 0;
  }

  /** Whether another watcher may join; the caller answers 503 when not. */
  get full(): boolean {
    return this.watchers.size >= this.limits.maxWatchers;
  }

  watch(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n${this.snapshot()}`);
    this.watchers.add(res);
    req.socket.setNoDelay(true);
    res.once('close', () => {
      this.watchers.delete(res);
      if (!this.watching) this.stopTimers();
    });
    this.snapshotTimer ??= setInterval(
      () => void this.measureLanes().then(() => this.broadcast(this.snapshot())),
      SNAPSHOT_MS,
    );
    this.heartbeatTimer ??= setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
  }

  publish(event: FeedRequest): void {
    if (event.route === 'api' && event.lane) {
      this.sent.set(event.lane, (this.sent.get(event.lane) ?? 0) + 1);
    }
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(`event: request\ndata: ${JSON.stringify(event)}\n\n`);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Ends every stream (the gateway is draining). */
  close(): void {
    for (const res of this.watchers) res.end();
    this.watchers.clear();
    this.stopTimers();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.pending.join('');
    this.pending = [];
    this.broadcast(batch);
  }

  private broadcast(text: string): void {
    for (const res of this.watchers) {
      if (res.writableLength > MAX_BUFFERED_BYTES) continue;
      res.write(text);
    }
  }

  /**
   * Store round trips per request, measured: each replica's own counter (what its credential
   * checks cost) over the requests the gateway sent it since the last second. Only while someone
   * watches, and off the request path.
   */
  private async measureLanes(): Promise<void> {
    await Promise.all(
      this.pools.resource.members.map(async ({ origin }) => {
        const roundTrips = await scrapeRoundTrips(origin);
        const sent = this.sent.get(origin) ?? 0;
        const last = this.measured.get(origin);
        if (roundTrips === undefined) return void this.perRequest.set(origin, null);
        // No request in the last second: no figure, rather than a stale one.
        this.perRequest.set(
          origin,
          last && sent > last.sent ? (roundTrips - last.roundTrips) / (sent - last.sent) : null,
        );
        this.measured.set(origin, { sent, roundTrips });
      }),
    );
  }

  private snapshot(): string {
    const members = (pool: UpstreamPool) =>
      pool.members.map((u) => ({ origin: u.origin, healthy: u.healthy, inflight: u.inflight }));
    const data = {
      lanes: members(this.pools.resource).map((lane) => ({
        ...lane,
        roundTripsPerRequest: this.perRequest.get(lane.origin) ?? null,
      })),
      auth: members(this.pools.auth),
      dropped: this.dropped,
    };
    return `event: farm\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private stopTimers(): void {
    clearTimeout(this.flushTimer);
    clearInterval(this.snapshotTimer);
    clearInterval(this.heartbeatTimer);
    this.flushTimer = this.snapshotTimer = this.heartbeatTimer = undefined;
    this.pending = [];
    this.measured.clear();
    this.perRequest.clear();
  }
}

/** The sum of a replica's store round-trip counter, or undefined when it does not answer. */
async function scrapeRoundTrips(origin: string): Promise<number | undefined> {
  try {
    const reply = await request(`${origin}/metrics`, {
      headersTimeout: SCRAPE_TIMEOUT_MS,
      bodyTimeout: SCRAPE_TIMEOUT_MS,
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 200) return undefined;
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(ROUND_TRIPS)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } catch {
    return undefined;
  }
}

const DEVICES = new Set(['laptop', 'phone']);

/** What the console shows of a finished proxied request: the credential's kind, never its value. */
export function describeRequest(
  req: IncomingMessage,
  route: string,
  lane: string | undefined,
  status: number,
  ms: number,
): FeedRequest {
  const headers = req.headers;
  const kind = headers.authorization?.startsWith('Bearer ')
    ? 'bearer'
    : headers.cookie?.includes('__Host-sid=')
      ? 'session'
      : 'none';
  const label = (headers.host ?? '').split('.')[0];
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return {
    at: Date.now(),
    device: DEVICES.has(label) ? (label as 'laptop' | 'phone') : null,
    route,
    method: req.method ?? '',
    path: (query < 0 ? url : url.slice(0, query)).slice(0, 200),
    lane: lane ?? null,
    kind,
    status,
    ms: Math.round(ms * 100) / 100,
    storeRoundTrips: route === 'api' ? (kind === 'session' ? 1 : 0) : null,
  };
}
