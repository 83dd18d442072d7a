import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Subject } from 'rxjs';
import { AppConfig } from '@authfarm/config';
import { Metrics } from '@authfarm/platform';
import { RevocationState } from './revocation-state.js';
import type { RevocationStore } from './revocation-store.js';

const NOW = Date.UTC(2026, 10, 29, 12);

type Entries = Awaited<ReturnType<RevocationStore['loadActive']>>;

function stateWith(
  policy: 'fail-open' | 'fail-closed',
  loadActive: () => Promise<Entries> = async () => [],
  loadRevokedKids: () => Promise<string[]> = async () => [],
) {
  const config = new AppConfig('gateway', {
    HYBRID_CHANNEL_POLICY: policy,
    HYBRID_MAX_STALENESS_MS: '2000',
    REDIS_KEY_PREFIX: 'p:',
  });
  const store = { loadActive, loadRevokedKids } as unknown as RevocationStore;
  const state = new RevocationState(config, store, new Metrics());
  const status = new Subject<string>();
  state.watch(status);
  return { state, status };
}

const flush = () => jest.advanceTimersByTimeAsync(0);

describe('RevocationState', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is not ready, and refuses to judge, until the durable list is loaded', async () => {
    const { state, status } = stateWith('fail-closed');
    expect(state.ready).toBe(false);
    expect(() => state.assertLive('s', 'u', NOW / 1000)).toThrow(
      expect.objectContaining({ code: 'REVOCATIONS_UNAVAILABLE' }),
    );
    status.next('connected');
    await flush();
    expect(state.ready).toBe(true);
    expect(state.assertLive('s', 'u', NOW / 1000)).toBe(true);
  });

  it('applies entries of the durable list on (re)connect', async () => {
    const { state, status } = stateWith('fail-closed', async () => [
      { userId: '', sids: ['gone'], expiresAt: NOW + 60_000 },
    ]);
    status.next('connected');
    await flush();
    expect(state.assertLive('gone', 'u', NOW / 1000)).toBe(false);
  });

  it('refuses a pushed revoked kid at once and tells the key listeners', async () => {
    const { state } = stateWith('fail-closed');
    const heard: string[][] = [];
    state.onKeysChanged((event) => heard.push(event.revokedKids));
    state.receiveKeys({ prefix: 'p:', reason: 'revoked', revokedKids: ['k1'] });
    state.receiveKeys({ prefix: 'other:', reason: 'revoked', revokedKids: ['k2'] });
    expect(state.isKidRevoked('k1')).toBe(true);
    expect(state.isKidRevoked('k2')).toBe(false);
    expect(heard).toEqual([['k1']]);
  });

  it('finds a revoked kid it missed in the durable list when it (re)connects', async () => {
    const { state, status } = stateWith('fail-closed', undefined, async () => ['missed']);
    const heard: string[][] = [];
    state.onKeysChanged((event) => heard.push(event.revokedKids));
    status.next('connected');
    await flush();
    expect(state.isKidRevoked('missed')).toBe(true);
    expect(heard).toEqual([['missed']]);
  });

  it('fails closed as soon as the channel drops', async () => {
    const { state, status } = stateWith('fail-closed');
    status.next('connected');
    await flush();
    status.next('reconnecting');
    expect(() => state.assertLive('s', 'u', NOW / 1000)).toThrow();
    expect(state.stalenessMs).toBe(0);
    jest.advanceTimersByTime(1500);
    expect(state.stalenessMs).toBe(1500);
  });

  it('fails open up to the stated staleness, then closed', async () => {
    const { state, status } = stateWith('fail-open');
    status.next('connected');
    await flush();
    status.next('reconnecting');
    jest.advanceTimersByTime(1999);
    expect(state.assertLive('s', 'u', NOW / 1000)).toBe(true);
    jest.advanceTimersByTime(2);
    expect(() => state.assertLive('s', 'u', NOW / 1000)).toThrow();
  });

  it("ignores events of another farm's prefix", async () => {
    const { state, status } = stateWith('fail-closed');
    status.next('connected');
    await flush();
    state.receive({
      prefix: 'other:',
      userId: 'u',
      sids: ['s'],
      expiresAt: NOW + 1000,
      reason: 'logout',
    });
    expect(state.assertLive('s', 'u', NOW / 1000)).toBe(true);
    state.receive({
      prefix: 'p:',
      userId: 'u',
      sids: ['s'],
      expiresAt: NOW + 1000,
      reason: 'logout',
    });
    expect(state.assertLive('s', 'u', NOW / 1000)).toBe(false);
  });
});
