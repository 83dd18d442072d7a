import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CredentialKind = 'session' | 'jwt' | 'none';
export type AuthOutcome = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked' | 'unavailable';

/** Prometheus metrics of one process. Label sets are bounded: routes are patterns, not paths. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'authfarm_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  });
  private readonly outcomes = new Counter({
    name: 'authfarm_auth_outcomes_total',
    help: 'Authentication outcomes by credential kind',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  private readonly roundTrips = new Counter({
    name: 'authfarm_store_round_trips_total',
    help: 'Round trips to a shared store by store and operation',
    labelNames: ['store', 'op'],
    registers: [this.registry],
  });
  private readonly verifyTime = new Histogram({
    name: 'authfarm_credential_verify_seconds',
    help: 'Time to verify a credential, store round trip included',
    labelNames: ['kind'],
    buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1],
    registers: [this.registry],
  });

  // Label children by label values: prom-client's labels() hashes its arguments on every call,
  // which the hot path need not pay.
  private readonly children = new Map<string, { inc(): void }>();
  private readonly verifyTimes = new Map<CredentialKind, { observe(seconds: number): void }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  request(route: string, status: number): void {
    this.child('r', route, status, () => this.requests.labels(route, String(status))).inc();
  }

  authOutcome(kind: CredentialKind, outcome: AuthOutcome): void {
    this.child('o', kind, outcome, () => this.outcomes.labels(kind, outcome)).inc();
  }

  storeRoundTrip(store: string, op: string): void {
    this.child('s', store, op, () => this.roundTrips.labels(store, op)).inc();
  }

  verifyDuration(kind: CredentialKind, seconds: number): void {
    let child = this.verifyTimes.get(kind);
    if (!child) {
      child = this.verifyTime.labels(kind);
      this.verifyTimes.set(kind, child);
    }
    child.observe(seconds);
  }

  private child<T extends { inc(): void }>(
    metric: string,
    a: string,
    b: string | number,
    make: () => T,
  ): T {
    const key = `${metric}\0${a}\0${b}`;
    let child = this.children.get(key) as T | undefined;
    if (!child) {
      child = make();
      this.children.set(key, child);
    }
    return child;
  }
}
