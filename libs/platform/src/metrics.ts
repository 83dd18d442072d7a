import { Injectable } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export type CredentialKind = 'session' | 'jwt' | 'none';
export type AuthOutcome = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked' | 'unavailable';

/**
 * Prometheus metrics of one process. Label sets are bounded: routes are patterns, not paths.
 *
 * Every request updates two to four of them, so the hot path does plain additions: a prom-client
 * child hashes and validates its labels on every `inc()` and `observe()` (about 4 µs per
 * authenticated request on a replica, docs/decisions/0005-replica-hot-path.md). Counts reach
 * prom-client when the registry is scraped; the exposition is the same.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new CounterSeries({
    name: 'authfarm_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['route', 'status'],
    registry: this.registry,
  });
  private readonly outcomes = new CounterSeries({
    name: 'authfarm_auth_outcomes_total',
    help: 'Authentication outcomes by credential kind',
    labelNames: ['kind', 'outcome'],
    registry: this.registry,
  });
  private readonly roundTrips = new CounterSeries({
    name: 'authfarm_store_round_trips_total',
    help: 'Round trips to a shared store by store and operation',
    labelNames: ['store', 'op'],
    registry: this.registry,
  });
  private readonly verifyTime = new HistogramSeries(
    'authfarm_credential_verify_seconds',
    'Time to verify a credential, store round trip included',
    'kind',
    [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1],
  );

  constructor() {
    this.registry.registerMetric(this.verifyTime as unknown as Metric);
    collectDefaultMetrics({ register: this.registry });
  }

  request(route: string, status: number): void {
    this.requests.count(route, status);
  }

  authOutcome(kind: CredentialKind, outcome: AuthOutcome): void {
    this.outcomes.count(kind, outcome);
  }

  storeRoundTrip(store: string, op: string): void {
    this.roundTrips.count(store, op);
  }

  verifyDuration(kind: CredentialKind, seconds: number): void {
    this.verifyTime.observe(kind, seconds);
  }
}

/** A prom-client counter with two labels whose increments are plain numbers until scraped. */
class CounterSeries {
  private readonly series = new Map<
    string,
    Map<string | number, { labels: Record<string, string>; pending: number }>
  >();
  private readonly labelNames: [string, string];

  constructor(options: {
    name: string;
    help: string;
    labelNames: [string, string];
    registry: Registry;
  }) {
    this.labelNames = options.labelNames;
    const { series } = this;
    new Counter({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      registers: [options.registry],
      // Called by the registry on every scrape, before it reads the counter.
      collect() {
        for (const inner of series.values()) {
          for (const entry of inner.values()) {
            if (entry.pending === 0) continue;
            this.inc(entry.labels, entry.pending);
            entry.pending = 0;
          }
        }
      },
    });
  }

  count(a: string, b: string | number): void {
    let inner = this.series.get(a);
    if (!inner) {
      inner = new Map();
      this.series.set(a, inner);
    }
    let entry = inner.get(b);
    if (!entry) {
      const [first, second] = this.labelNames;
      entry = { labels: { [first]: a, [second]: String(b) }, pending: 0 };
      inner.set(b, entry);
    }
    entry.pending++;
  }
}

interface SeriesValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A histogram with one label, kept as plain bucket counts and handed to the registry in the shape
 * every prom-client metric's `get()` returns (cumulative `_bucket` series, `+Inf`, `_sum`,
 * `_count`).
 */
class HistogramSeries {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: number[],
  ) {}

  observe(label: string, value: number): void {
    let series = this.series.get(label);
    if (!series) {
      series = { counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(label, series);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += value;
    series.count++;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: SeriesValue[];
  }> {
    const values: SeriesValue[] = [];
    for (const [label, { counts, sum, count }] of this.series) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += counts[i];
        values.push(this.value('_bucket', { le: bound, [this.labelName]: label }, cumulative));
      });
      values.push(this.value('_bucket', { le: '+Inf', [this.labelName]: label }, count));
      values.push(this.value('_sum', { [this.labelName]: label }, sum));
      values.push(this.value('_count', { [this.labelName]: label }, count));
    }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }

  private value(suffix: string, labels: SeriesValue['labels'], value: number): SeriesValue {
    return { value, labels, metricName: `${this.name}${suffix}` };
  }
}
