/** One request of a load: when it was due, its status (0: no HTTP answer at all), how long it took. */
export interface Sample {
  kind: string;
  sentAt: number;
  status: number;
  ms: number;
}

/** A request for FixedRateLoad: its kind (in the figures) and how to send it. */
export interface LoadRequest {
  kind: string;
  send: () => Promise<Response>;
}

/** What a load did, as reported in docs/reliability.md. */
export interface LoadFigures {
  sent: number;
  failed: number;
  maxLatencyMs: number;
}

/**
 * An open-loop load on loopback: one request every `intervalMs` whether or not earlier ones have
 * answered, so a stalled service shows up as latency and failures rather than as a slower rate.
 * Latency runs from when each request was due (as in the benchmark: a stall of this process
 * shows in the figures instead of hiding them). `next(n)` says which request to send n-th.
 */
export class FixedRateLoad {
  readonly samples: Sample[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private count = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly next: (n: number) => LoadRequest,
  ) {}

  start(): this {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.catchUp(), this.intervalMs);
    this.catchUp();
    return this;
  }

  get sent(): number {
    return this.count;
  }

  /** Stops sending and resolves once every request sent has answered or failed. */
  async stop(): Promise<Sample[]> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
    return this.samples;
  }

  // Timers run late on a busy machine: send every request that has fallen due since the last tick.
  private catchUp(): void {
    const now = Date.now();
    while (this.startedAt + this.count * this.intervalMs <= now) {
      this.fire(this.startedAt + this.count * this.intervalMs);
    }
  }

  private fire(dueAt: number): void {
    const { kind, send } = this.next(this.count++);
    const done = send()
      .then(
        async (response) => {
          await response.arrayBuffer();
          return response.status;
        },
        () => 0,
      )
      .then((status) => {
        this.samples.push({ kind, sentAt: dueAt, status, ms: Date.now() - dueAt });
        this.pending.delete(done);
      });
    this.pending.add(done);
  }
}

/** Sent, failed (any status `ok` refuses) and the worst latency of some samples. */
export function figuresOf(samples: Sample[], ok: (sample: Sample) => boolean): LoadFigures {
  return {
    sent: samples.length,
    failed: samples.filter((sample) => !ok(sample)).length,
    maxLatencyMs: Math.max(0, ...samples.map((sample) => sample.ms)),
  };
}

/** The samples of one kind around an outage, split at the first that answered `upStatus`. */
export interface Outage {
  /** Sent before the first answer `upStatus`: what clients saw while the fault lasted. */
  down: Sample[];
  /** That first answer and every later one. */
  up: Sample[];
  /** When the first `upStatus` answer arrived (epoch ms); NaN if none did. */
  recoveredAt: number;
}

export function outageOf(samples: Sample[], kind: string, upStatus: number): Outage {
  const ofKind = samples.filter((s) => s.kind === kind).sort((a, b) => a.sentAt - b.sentAt);
  const first = ofKind.findIndex((s) => s.status === upStatus);
  const split = first < 0 ? ofKind.length : first;
  const recovered = ofKind[first];
  return {
    down: ofKind.slice(0, split),
    up: ofKind.slice(split),
    recoveredAt: recovered ? recovered.sentAt + recovered.ms : NaN,
  };
}

/** How many samples answered each status (0: no HTTP answer). */
export function countStatuses(samples: Sample[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const sample of samples) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  return counts;
}

/**
 * The worst latency among requests a fault does not touch: how long the machine itself stalled
 * (a loaded CI runner). Latency bounds on the faulty path allow this much on top, so that they
 * catch a service waiting on a timeout and not a busy neighbour.
 */
export function stallOf(unaffected: Sample[]): number {
  return Math.max(0, ...unaffected.map((sample) => sample.ms));
}
