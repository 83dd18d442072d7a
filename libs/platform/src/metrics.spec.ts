import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram, Registry } from 'prom-client';
import { Metrics } from './metrics.js';

const BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1];

/** The lines of one metric family in an exposition. */
function family(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(name) || line.includes(` ${name} `));
}

describe('Metrics', () => {
  it('exposes counters exactly as prom-client counts them, across scrapes', async () => {
    const metrics = new Metrics();
    const reference = new Registry();
    const outcomes = new Counter({
      name: 'authfarm_auth_outcomes_total',
      help: 'Authentication outcomes by credential kind',
      labelNames: ['kind', 'outcome'],
      registers: [reference],
    });
    const record = (kind: 'jwt' | 'session', outcome: 'ok' | 'revoked') => {
      metrics.authOutcome(kind, outcome);
      outcomes.inc({ kind, outcome });
    };
    record('jwt', 'ok');
    record('jwt', 'ok');
    record('session', 'revoked');
    const name = 'authfarm_auth_outcomes_total';
    expect(family(await metrics.registry.metrics(), name)).toEqual(
      family(await reference.metrics(), name),
    );
    // Counts since the last scrape are added once, not again.
    record('jwt', 'ok');
    const text = await metrics.registry.metrics();
    expect(text).toContain('authfarm_auth_outcomes_total{kind="jwt",outcome="ok"} 3');
    expect(family(text, name)).toEqual(family(await reference.metrics(), name));
  });

  it('exposes the verify-time histogram exactly as a prom-client histogram would', async () => {
    const metrics = new Metrics();
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'authfarm_credential_verify_seconds',
      help: 'Time to verify a credential, store round trip included',
      labelNames: ['kind'],
      buckets: BUCKETS,
      registers: [reference],
    });
    // On a bound, between bounds, above the last one, and a second label.
    for (const [kind, seconds] of [
      ['jwt', 0.00001],
      ['jwt', 0.0003],
      ['jwt', 2],
      ['session', 0.0007],
    ] as const) {
      metrics.verifyDuration(kind, seconds);
      histogram.observe({ kind }, seconds);
    }
    const name = 'authfarm_credential_verify_seconds';
    const ours = family(await metrics.registry.metrics(), name);
    expect(ours).toContain('authfarm_credential_verify_seconds_bucket{le="0.00001",kind="jwt"} 1');
    expect(ours).toEqual(family(await reference.metrics(), name));
  });

  it('counts requests by route pattern and status, and store round trips', async () => {
    const metrics = new Metrics();
    metrics.request('/api/me', 200);
    metrics.request('/api/me', 401);
    metrics.request('/api/me', 200);
    metrics.storeRoundTrip('redis', 'touch');
    const text = await metrics.registry.metrics();
    expect(text).toContain('authfarm_http_requests_total{route="/api/me",status="200"} 2');
    expect(text).toContain('authfarm_http_requests_total{route="/api/me",status="401"} 1');
    expect(text).toContain('authfarm_store_round_trips_total{store="redis",op="touch"} 1');
  });
});
